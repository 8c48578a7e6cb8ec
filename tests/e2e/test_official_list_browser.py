"""免申即享 in Chromium: the bureau imports a provincial-title list, the enterprise confirms the offer entering the
person's own account, finance verifies the account, and after the short review path the person is paid 对私."""

import pytest
from django.db import transaction

from applications.models import Application
from applications.review import application_decide
from applications.workflow import Action, State
from huzhou_craftsman.accounts.models import BankAccount
from huzhou_craftsman.accounts.roles import Role
from subsidies import payments
from subsidies.payment_models import PaymentLine
from tests.applications.test_official_lists import TITLE_HEADER, title_row, xlsx
from tests.e2e.helpers import sign_in, staff_page
from tests.factories import PDF_BYTES, RoundFactory, make_user
from tests.subsidies.test_awards import approve_through_notice

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
    payee = page.get_by_test_id("payee")
    payee.get_by_label("账户类型").select_option("personal")
    payee.get_by_label("开户名称（须为本人姓名）").fill("工匠1")
    payee.get_by_label("银行账号").fill("6217000010001234567")
    payee.get_by_label("开户银行").fill("中国工商银行湖州分行")
    payee.get_by_label("开户行联行号").fill("102336000015")
    proof = tmp_path / "card.pdf"
    proof.write_bytes(PDF_BYTES)
    payee.get_by_label("银行卡或社会保障卡正面影像").set_input_files(str(proof))
    payee.get_by_role("button", name="提交账户").click()
    assert page.get_by_text("领奖人账户已提交").is_visible()
    page.get_by_role("button", name="确认领取").first.click()
    assert page.get_by_test_id("offer-state").inner_text() == "已确认，等待区县核对"
    shot(page, "confirmed")

    # finance verifies the person's account against the card
    account = BankAccount.objects.get(holder_kind="person", state="pending")
    checker = staff_page(new_page, Role.FINANCE_CHECKER)
    checker.goto(f"/bank-accounts/{account.pk}/")
    checker.get_by_role("button", name="核验通过").click()
    assert checker.get_by_text("收款账户已核验").is_visible()

    # the short path: district check, city approval, notice; then the batch pays the person
    offer = Application.objects.get(state=State.LIST_CHECK)
    with transaction.atomic():
        application_decide(
            application=offer, action=Action.LIST_CHECK_PASS,
            by=make_user(Role.DISTRICT_REVIEWER, district=offer.district),
        )  # fmt: skip
    application_decide(application=offer, action=Action.APPROVE, by=make_user(Role.CITY_APPROVER))
    award = approve_through_notice(Application.objects.get(pk=offer.pk), make_user(Role.CITY_APPROVER))
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=make_user(Role.FINANCE_MAKER))
    (line,) = batch.lines.all()
    assert line.payee_kind == PaymentLine.PayeeKind.PERSONAL
    assert (line.account_name, line.account_number) == ("工匠1", "6217000010001234567")
