"""The whole story in Chromium, with a real Celery worker on Redis producing the documents.

An enterprise registers and is verified; it applies for a grand-craftsman title and a World Skills expert-team
award; one is returned and corrected; district and city staff decide; the public notice runs its course; the worker
produces the documents and the QR page verifies them; finance batches, exports and imports the bank result; the
instalments show paid and the dashboard moves. Screenshots of each step land in test-artifacts/e2e/.
"""

import io
import re
import time
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from applications.models import Application, PublicNotice
from huzhou_craftsman.accounts.roles import Role
from subsidies.documents.models import Document
from subsidies.models import Instalment
from tests.e2e.helpers import staff_page
from tests.factories import PDF_BYTES, RoundFactory, catalogue_trade, district, make_resident_id, make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.usefixtures("reference_data")]


def field(page, label):
    """The input whose label is exactly this text (crispy-forms adds an asterisk to required fields)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def open_in_queue(page, number):
    page.goto("/review/queue/")
    page.get_by_role("link", name=number).click()


def test_the_whole_story(new_page, shot, tmp_path, celery_worker_process):
    craftsman_round = RoundFactory(title="2026年度湖州工匠遴选", materials=[("推荐表（盖章）", True)])
    RoundFactory(scheme="competition", title="2026年度技能竞赛奖励", materials=[])
    milling, turning = catalogue_trade("数控铣"), catalogue_trade("数控车")
    material = tmp_path / "推荐表.pdf"
    material.write_bytes(PDF_BYTES)

    # 1. The enterprise registers itself.
    ent = new_page()
    ent.goto("/register/")
    for label, value in [
        ("单位名称", "湖州全流程精密机械有限公司"), ("统一社会信用代码", make_uscc(900)), ("地址", "吴兴区织里路 1 号"),
        ("联系人", "沈燕"), ("联系人手机", "13905728888"), ("开户名称", "湖州全流程精密机械有限公司"),
        ("银行账号", "33050161627000008888"), ("开户银行", "中国建设银行湖州分行"), ("开户行联行号", "105336000012"),
        ("登录用户名", "quanliucheng"), ("您的姓名", "沈燕"), ("电子邮箱", "hr@qlc.example.cn"),
    ]:  # fmt: skip
        field(ent, label).fill(value)
    ent.get_by_label("所属区县").select_option(label="吴兴区")
    field(ent, "密码").fill("Jingmi-Zhizao-88")
    ent.get_by_label("确认密码").fill("Jingmi-Zhizao-88")
    ent.get_by_role("button", name="注册").click()
    ent.wait_for_url("**/enterprise/")
    shot(ent, "01-registered")

    # 2. The district verifies it.
    district_page = staff_page(new_page, Role.DISTRICT_REVIEWER, district=district("wuxing"))
    district_page.goto("/organisations/?is_verified=false")
    district_page.get_by_role("link", name="湖州全流程精密机械有限公司").click()
    district_page.get_by_role("button", name="认定该单位").click()
    expect(district_page.get_by_text("现在可以提交申报")).to_be_visible()

    # 3. It applies for the grand craftsman title and for a World Skills expert-team award.
    ent.goto(f"/apply/{craftsman_round.pk}/new/")
    for label, value in [("姓名", "钱立新"), ("身份证号", make_resident_id(901, birth="19750202")),
                         ("职业（工种）", "数控车工"), ("在湖工作年限", "20"), ("主要业绩", "主持国家级技能攻关项目。")]:  # fmt: skip
        field(ent, label).fill(value)
    ent.get_by_label("申报称号").select_option("grand")
    ent.get_by_label("技能等级").select_option("principal_technician")
    ent.get_by_role("button", name="保存草稿").click()
    # The grand craftsman's money goes to him, not to his employer: his own account is entered with the application.
    payee = ent.get_by_test_id("payee")
    payee.get_by_label("账户类型").select_option("personal")
    payee.get_by_label("开户名称（须为本人姓名）").fill("钱立新")
    payee.get_by_label("银行账号").fill("6217000010009012345")
    payee.get_by_label("开户银行").fill("中国工商银行湖州分行")
    payee.get_by_label("开户行联行号").fill("102336000015")
    payee.get_by_label("银行卡或社会保障卡正面影像").set_input_files(str(material))
    payee.get_by_role("button", name="提交账户").click()
    expect(ent.get_by_text("领奖人账户已提交")).to_be_visible()
    ent.get_by_label("上传推荐表（盖章）").set_input_files(str(material))
    ent.get_by_role("button", name="上传", exact=True).click()
    ent.get_by_role("button", name="提交申报").click()
    expect(ent.get_by_text("申报已提交")).to_be_visible()
    grand = Application.objects.get(level="grand")
    shot(ent, "03-grand-submitted")

    ent.goto("/apply/")
    ent.get_by_role("link", name="2026年度技能竞赛奖励").click()
    field(ent, "姓名").fill("孙技术")
    field(ent, "身份证号").fill(make_resident_id(902, birth="19700101"))
    # The competition and trade are picked from the bureau's catalogue, never typed.
    ent.get_by_label("赛事及竞赛项目").select_option(str(turning))
    ent.get_by_label("成绩").select_option("gold")
    ent.get_by_label("获奖身份").select_option("expert_team")
    ent.get_by_label("专家团队成员").fill(f"周一,{make_resident_id(903)}\n吴二,{make_resident_id(904)}")
    ent.get_by_role("button", name="保存草稿").click()
    assert "500,000.00" in ent.get_by_test_id("estimate").inner_text()
    ent.get_by_role("button", name="提交申报").click()
    team = Application.objects.get(scheme="competition")

    # 4. The district returns the competition application; the enterprise corrects it.
    open_in_queue(district_page, team.number)
    field(district_page, "赛事及竞赛项目").fill("获奖证书上的项目是数控铣，请重新选择")
    district_page.get_by_role("button", name="退回补正").click()
    district_page.wait_for_url("**/review/queue/")
    ent.goto(f"/applications/{team.pk}/")
    expect(ent.get_by_text("获奖证书上的项目是数控铣，请重新选择")).to_be_visible()
    ent.get_by_role("link", name="修改").click()
    ent.get_by_label("赛事及竞赛项目").select_option(str(milling))
    ent.get_by_role("button", name="保存草稿").click()
    ent.get_by_role("button", name="补正后重新提交").click()
    expect(ent.get_by_test_id("state")).to_have_text("已提交，等待区县审核")
    shot(ent, "04-corrected")

    # 4b. The same team award claimed again (however it is worded, it is the same catalogue trade) is refused.
    ent.goto("/apply/")
    ent.get_by_role("link", name="2026年度技能竞赛奖励").click()
    field(ent, "姓名").fill("孙技术")
    field(ent, "身份证号").fill(make_resident_id(902, birth="19700101"))
    ent.get_by_label("赛事及竞赛项目").select_option(str(milling))
    ent.get_by_label("成绩").select_option("gold")
    ent.get_by_label("获奖身份").select_option("expert_team")
    ent.get_by_label("专家团队成员").fill(f"周一,{make_resident_id(903)}")
    ent.get_by_role("button", name="保存草稿").click()
    expect(ent.get_by_text("已在其他申报中申领").first).to_be_visible()
    ent.get_by_role("button", name="提交申报").click()
    expect(ent.get_by_text("已在其他申报中申领").first).to_be_visible()
    assert Application.objects.filter(scheme="competition", state="draft").count() == 1
    shot(ent, "04b-duplicate-refused")

    # 5. District, city review and city approval decide; the approver opens the notice.
    district_page.goto("/review/queue/")
    for number in (grand.number, team.number):
        district_page.get_by_label(f"选择 {number}").check()
    district_page.get_by_role("button", name="执行").click()
    expect(district_page.get_by_text("已处理 2 份")).to_be_visible()
    city = staff_page(new_page, Role.CITY_REVIEWER)
    approver = staff_page(new_page, Role.CITY_APPROVER)
    for number in (grand.number, team.number):
        open_in_queue(city, number)
        city.get_by_role("button", name="市级复审通过").click()
        city.wait_for_url("**/review/queue/")
        open_in_queue(approver, number)
        approver.get_by_role("button", name="市级审批同意").click()
        approver.wait_for_url("**/review/queue/")
    approver.goto("/review/notices/")
    approver.get_by_label(grand.number).check()
    approver.get_by_label(team.number).check()
    approver.get_by_role("button", name="发布公示").click()
    expect(approver.get_by_text("公示期")).not_to_have_count(0)
    public = new_page()
    public.goto("/notices/")
    expect(public.get_by_text("钱立新")).to_be_visible()
    shot(public, "05-public-notice")

    # 6. The notice runs its course; the worker produces the documents; the QR page verifies them.
    notice = PublicNotice.objects.get()
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=date.today() - timedelta(days=1))
    approver.goto(f"/review/notices/{notice.pk}/")
    approver.get_by_role("button", name="结束公示并批准资助").click()
    approver.wait_for_load_state()
    # Two letters and the grand craftsman's schedule (the round's 通知 of the closed notice is made alongside them,
    # on its own time: it is not counted here).
    award_documents = Document.objects.filter(award__isnull=False, state="ready")
    deadline = time.monotonic() + 90
    while award_documents.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert award_documents.count() == 3
    letter = Document.objects.get(award__application=grand, kind="letter")
    public.goto(f"/verify/{letter.token}/")
    assert letter.number in public.content() and letter.sha256 in public.content()
    downloaded = tmp_path / "letter.pdf"
    downloaded.write_bytes(letter.file.open("rb").read())
    public.get_by_label("上传 PDF 文件核对").set_input_files(str(downloaded))
    public.get_by_role("button", name="比对").click()
    assert "一致" in public.get_by_test_id("match-result").inner_text()
    shot(public, "06-verified")

    # 7. A finance checker verifies the grand craftsman's own account against his bank card (a second person);
    # finance batches, exports both bank files and imports the bank result; the instalments show paid.
    checker = staff_page(new_page, Role.FINANCE_CHECKER)
    checker.goto("/bank-accounts/")
    checker.get_by_role("link", name=re.compile("钱立新")).first.click()
    checker.get_by_role("button", name="核验通过").click()
    expect(checker.get_by_text("已核验").first).to_be_visible()
    maker = staff_page(new_page, Role.FINANCE_MAKER)
    maker.goto("/finance/")
    maker.get_by_label("全选").check()
    maker.get_by_role("button", name="用所选款项编制付款批次").click()
    batch_url = maker.url
    checker.goto(batch_url)
    checker.get_by_role("button", name="复核通过").click()
    expect(checker.get_by_test_id("batch-state")).to_have_text("已复核，可导出")
    maker.goto(batch_url)
    result = Workbook()
    result.active.append(["收款账号", "金额", "结果", "失败原因"])
    # Two files a bank imports: 代发 (to persons, with their ID numbers) and 批量转账 (to organisations).
    for layout, account_column, amount_column in (("payroll", 1, 5), ("transfer", 1, 6)):
        with maker.expect_download() as download:
            maker.get_by_test_id(f"bank-file-{layout}").get_by_role("button", name="XLSX").click()
        exported = tmp_path / f"batch-{layout}.xlsx"
        download.value.save_as(exported)
        rows = list(load_workbook(exported).active.iter_rows(values_only=True))
        header = rows.index(next(r for r in rows if r and r[0] == "序号"))
        for row in rows[header + 1 :]:
            result.active.append([row[account_column], f"{row[amount_column]:.2f}", "成功", ""])
    person_rows = list(load_workbook(tmp_path / "batch-payroll.xlsx").active.iter_rows(values_only=True))
    assert any("钱立新" in (cell or "") for row in person_rows for cell in row if isinstance(cell, str))
    buffer = io.BytesIO()
    result.save(buffer)
    (tmp_path / "result.xlsx").write_bytes(buffer.getvalue())
    maker.reload()
    maker.get_by_label("回盘文件").set_input_files(str(tmp_path / "result.xlsx"))
    maker.get_by_role("button", name="导入回盘").click()
    expect(maker.get_by_test_id("batch-state")).to_have_text("已回盘")
    shot(maker, "07-paid")
    assert Instalment.objects.filter(state="paid").count() == 2  # grand year 1 and the expert team's award
    ent.goto("/awards/")
    expect(ent.get_by_text("已支付").first).to_be_visible()

    # 8. The dashboard moves.
    approver.goto("/dashboard/?window=since")  # the default is the end-of-period view (2021-10-20 to 2025-12-31)
    titles = approver.get_by_test_id("table-titles").inner_text()
    assert "湖州大工匠\t1\t50" in titles
    money = approver.get_by_test_id("table-money_scheme").inner_text()
    assert "技能竞赛奖励（第4条）\t500,000.00\t500,000.00\t0.00" in money
    assert "湖州工匠遴选资助（第3条）\t200,000.00\t100,000.00\t100,000.00" in money
    shot(approver, "08-dashboard")
