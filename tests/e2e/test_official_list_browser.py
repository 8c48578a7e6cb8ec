"""免申即享 in Chromium: the bureau imports a provincial-title list, the enterprise confirms the offer entering the
person's own account, the district returns it (the card is unreadable) and the enterprise corrects and confirms
again, finance verifies the account, the reviewers click through the short path (district check, city approval,
the notice) and the person is paid 对私."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from applications.models import Application, PublicNotice
from applications.workflow import State
from huzhou_craftsman.accounts.models import BankAccount
from huzhou_craftsman.accounts.roles import Role
from subsidies import payments
from subsidies.models import Award
from subsidies.payment_models import PaymentLine
from tests.applications.test_official_lists import TITLE_HEADER, title_row, xlsx
from tests.e2e.helpers import sign_in, staff_page
from tests.factories import PDF_BYTES, RoundFactory, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]


def test_a_provincial_title_list_becomes_a_payment_to_the_person(new_page, shot, tmp_path):
    enterprise = make_user(Role.ENTERPRISE)
    RoundFactory(scheme="craftsman_title", title="2026年度省级称号直接认定")
    list_file = tmp_path / "list.xlsx"
    list_file.write_bytes(xlsx(TITLE_HEADER, [title_row(1, enterprise.organisation, "浙江大工匠")]).read())

    # the bureau imports the list
    bureau = staff_page(new_page, Role.CITY_REVIEWER)
    bureau.goto("/official-lists/")
    bureau.get_by_label("名单类别").select_option("provincial_titles")
    bureau.get_by_label("计发批次").select_option(label="2026年度省级称号直接认定")
    bureau.get_by_label("来源文件文号").fill("浙人社发〔2026〕30号")
    bureau.get_by_label("来源文件日期").fill("2026-11-01")
    bureau.get_by_label("名单文件（XLSX）").set_input_files(str(list_file))
    bureau.get_by_role("button", name="校验并导入").click()
    assert bureau.get_by_text("已导入 1 行：生成待确认资助 1 项，未匹配 0 行。").is_visible()
    shot(bureau, "imported")

    # the enterprise confirms, entering the person's own account
    page = new_page()
    sign_in(page, enterprise.username)
    page.goto("/enterprise/")
    page.get_by_test_id("offers").get_by_role("link", name="核对并确认").click()
    assert "200,000.00" in page.get_by_test_id("offer-amount").inner_text()
    proof = tmp_path / "card.pdf"
    proof.write_bytes(PDF_BYTES)
    enter_account(page, "6217000010001234567", proof)
    page.get_by_role("button", name="确认领取").first.click()
    expect(page.get_by_test_id("offer-state")).to_have_text("已确认，等待区县核对")
    shot(page, "confirmed")
    offer = Application.objects.get(state=State.LIST_CHECK)

    # the district reviewer cannot read the card and sends the offer back with the reason
    district_page = staff_page(new_page, Role.DISTRICT_REVIEWER, district=offer.district)
    open_in_queue(district_page, offer.number)
    district_page.locator("#reason-list_check_return").fill("银行卡影像模糊无法辨认，请重新上传")
    district_page.get_by_role("button", name="区县核对退回单位更正").click()
    district_page.wait_for_url("**/review/queue/")

    # the enterprise reads the reason, enters the account again and confirms again
    page.goto("/enterprise/")
    page.get_by_test_id("offers").get_by_role("link", name="查看意见并更正").click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("银行卡影像模糊无法辨认，请重新上传")
    shot(page, "returned")
    enter_account(page, "6217000010007654321", proof)
    page.get_by_role("button", name="更正后重新确认领取").click()
    expect(page.get_by_test_id("offer-state")).to_have_text("已确认，等待区县核对")

    # finance verifies the person's account against the card
    account = BankAccount.objects.get(holder_kind="person", state="pending")
    checker = staff_page(new_page, Role.FINANCE_CHECKER)
    checker.goto(f"/bank-accounts/{account.pk}/")
    checker.get_by_role("button", name="核验通过").click()
    assert checker.get_by_text("收款账户已核验").is_visible()

    # the short path, as the reviewers click it: the district check, the city approval, the notice
    open_in_queue(district_page, offer.number)
    district_page.get_by_role("button", name="区县核对通过").click()
    district_page.wait_for_url("**/review/queue/")
    approver = staff_page(new_page, Role.CITY_APPROVER)
    open_in_queue(approver, offer.number)
    approver.get_by_role("button", name="市级审批同意").click()
    approver.wait_for_url("**/review/queue/")
    approver.goto("/review/notices/")
    approver.get_by_label(offer.number).check()
    approver.get_by_role("button", name="发布公示").click()
    expect(approver.get_by_text("公示期")).not_to_have_count(0)
    # the notice runs its course (as in the whole-story test: its end date moved into the past), then is closed
    notice = PublicNotice.objects.get()
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=date.today() - timedelta(days=1))
    approver.goto(f"/review/notices/{notice.pk}/")
    approver.get_by_role("button", name="结束公示并批准资助").click()
    approver.wait_for_load_state()
    shot(approver, "notice-closed")
    page.reload()
    expect(page.get_by_test_id("offer-state")).to_have_text("已批准")

    # the batch pays the person, to the corrected account
    award = Award.objects.get(application=offer)
    assert (award.total, award.payee_kind) == (Decimal("200000.00"), "person")
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=make_user(Role.FINANCE_MAKER))
    (line,) = batch.lines.all()
    assert line.payee_kind == PaymentLine.PayeeKind.PERSONAL
    assert (line.account_name, line.account_number) == ("工匠1", "6217000010007654321")
    decisions = list(offer.decisions.order_by("pk").values_list("action", flat=True))
    assert decisions == ["list_check_return", "list_check_pass", "approve"]


def enter_account(page, number, proof):
    payee = page.get_by_test_id("payee")
    if not payee.get_by_label("账户类型").is_visible():
        payee.get_by_text("填写或更换领奖人账户").click()
    payee.get_by_label("账户类型").select_option("personal")
    payee.get_by_label("开户名称（须为本人姓名）").fill("工匠1")
    payee.get_by_label("银行账号").fill(number)
    payee.get_by_label("开户银行").fill("中国工商银行湖州分行")
    payee.get_by_label("开户行联行号").fill("102336000015")
    payee.get_by_label("银行卡或社会保障卡正面影像").set_input_files(str(proof))
    payee.get_by_role("button", name="提交账户").click()
    expect(page.get_by_text("领奖人账户已提交")).to_be_visible()


def open_in_queue(page, number):
    page.goto("/review/queue/")
    page.get_by_role("link", name=number).click()
