"""An enterprise user, in Chromium: log in, draft a craftsman-title application, attach the material, submit."""

import pytest

from applications.models import Application, ApplicationVersion
from huzhou_craftsman.accounts.roles import Role
from tests.e2e.test_login_browser import log_in
from tests.factories import PDF_BYTES, RoundFactory, make_resident_id, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]


def test_enterprise_drafts_attaches_and_submits_a_craftsman_application(page, shot, tmp_path):
    user = make_user(Role.ENTERPRISE)
    round = RoundFactory(title="2026年度湖州工匠遴选（浏览器测试）", materials=[("推荐表（盖章）", True)])
    resident_id = make_resident_id(55, birth="19820315")
    log_in(page, user.username)
    page.wait_for_url("**/enterprise/")
    page.get_by_role("region", name="我的申报").get_by_role("link", name="新建申报").click()
    page.get_by_role("link", name=round.title).click()

    # a first save with only part of the form: the draft keeps it
    page.get_by_label("姓名").fill("周建国")
    page.get_by_label("身份证号").fill(resident_id)
    page.get_by_label("申报称号").select_option("craftsman")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/applications/*/")
    assert page.get_by_test_id("problems").is_visible()
    assert "请上传材料：推荐表（盖章）" in page.get_by_test_id("problems").inner_text()
    shot(page, "draft-with-problems")

    page.get_by_role("link", name="修改").click()
    page.get_by_label("技能等级").select_option("senior_technician")
    page.get_by_label("职业（工种）").fill("数控车工")
    page.get_by_label("在湖工作年限").fill("15")
    page.get_by_label("主要业绩").fill("牵头完成高精度主轴加工工艺改进。")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/applications/*/")
    assert "10,000.00" in page.get_by_test_id("estimate").inner_text()

    material = tmp_path / "推荐表.pdf"
    material.write_bytes(PDF_BYTES)
    page.get_by_label("上传推荐表（盖章）").set_input_files(str(material))
    page.get_by_role("button", name="上传", exact=True).click()
    assert page.get_by_text("材料“推荐表（盖章）”已上传").is_visible()
    shot(page, "ready-to-submit")

    # The title is paid to the nominee: his own account goes with the application.
    payee = page.get_by_test_id("payee")
    payee.get_by_label("账户类型").select_option("personal")  # the account name is filled in with his name
    payee.get_by_label("银行账号").fill("6217000010009012345")
    payee.get_by_label("开户银行").fill("中国工商银行湖州分行")
    payee.get_by_label("开户行联行号").fill("102336000015")
    payee.get_by_label("银行卡或社会保障卡正面影像").set_input_files(str(material))
    payee.get_by_role("button", name="提交账户").click()
    assert page.get_by_text("领奖人账户已提交").is_visible()

    page.get_by_role("button", name="提交申报").click()
    assert page.get_by_text("申报已提交").is_visible()
    assert page.get_by_test_id("state").inner_text() == "已提交，等待区县审核"
    shot(page, "submitted")

    application = Application.objects.get(person__resident_id=resident_id)
    assert application.state == "submitted"
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert resident_id not in page.content()
