"""docs/walkthrough.md, followed in Chromium against `make run`'s embedded mode, from a fresh database.

The portal runs as `make run` runs it — a separate `manage.py runserver` process on SQLite with demo mode on, after
`migrate`, `make_demo_signing_cert` and `seed_demo` — in a fresh directory (``PORTAL_VAR_DIR``). The test then does
what the walkthrough says, as the demo users, with their second factor from `manage.py demo_totp`, and never
touches the database: the notice is ended with the demo button, the bank's answer is a file made from the export.
"""

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Huzhou#Demo2026"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def embedded_env(var_dir: Path) -> dict:
    """The environment of `make run`: no DATABASE_URL or broker (embedded mode, demo mode on by default)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DEMO_MODE", "PORTAL_PRODUCTION", "DJANGO_SETTINGS_MODULE",
                        "CELERY_TASK_ALWAYS_EAGER", "DJANGO_ALLOW_ASYNC_UNSAFE"}}  # fmt: skip
    env["PORTAL_VAR_DIR"] = str(var_dir)
    return env


def manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """`make run` in a fresh directory: migrate, the demo signing certificate, seed_demo, then runserver."""
    var_dir = tmp_path_factory.mktemp("var")
    (var_dir / "staticfiles").mkdir()
    env = embedded_env(var_dir)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "make_demo_signing_cert")
    manage(env, "seed_demo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)  # noqa: S310 - our own http:// server
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, (var_dir / "server.log").read_text()
            time.sleep(0.5)
    yield {"url": url, "env": env, "var": var_dir}
    server.terminate()
    server.wait(timeout=20)
    log.close()


@pytest.fixture
def desk(browser, portal):
    """A separate browser profile per demo user (the walkthrough's advice), signed in as that user."""
    contexts = []

    def sign_in(username: str, *, staff: bool = True):
        context = browser.new_context(base_url=portal["url"], locale="zh-CN", viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30000)
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        if staff:
            page.get_by_label("动态验证码").fill(manage(portal["env"], "demo_totp", username).strip())
            page.get_by_role("button", name="验证").click()
        page.wait_for_load_state()
        return page

    yield sign_in
    for context in contexts:
        context.close()


def field(page, label):
    """The input whose label is exactly this text (crispy-forms adds an asterisk to required fields)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def open_application(page, number):
    page.get_by_role("link", name="审核", exact=True).click()
    page.get_by_role("link", name=number).click()


def test_the_walkthrough_from_a_fresh_database(desk, shot, tmp_path):
    material = tmp_path / "推荐表.pdf"
    material.write_bytes(PDF)

    # 1-3. The enterprise drafts, uploads the material and submits.
    ent = desk("enterprise", staff=False)
    ent.get_by_role("link", name="新建申报").first.click()
    ent.get_by_role("link", name="2026年度湖州工匠遴选（第一批）").click()
    for label, value in [("姓名", "钱立新"), ("身份证号", "330502198005061236"), ("职业（工种）", "数控车工"),
                         ("在湖工作年限", "12"), ("主要业绩", "主持数控车削工艺攻关，培养徒弟 12 名。")]:  # fmt: skip
        field(ent, label).fill(value)
    ent.get_by_label("申报方式").select_option(label="遴选申报")
    ent.get_by_label("申报称号").select_option(label="湖州工匠")
    ent.get_by_label("技能等级").select_option(label="高级技师")
    ent.get_by_role("button", name="保存草稿").click()
    expect(ent.get_by_test_id("estimate")).to_contain_text("10,000.00")
    # 2. The awardee's own account: the title is paid to him, not to his employer.
    payee = ent.get_by_test_id("payee")
    payee.get_by_label("账户类型").select_option("personal")
    payee.get_by_label("开户名称（须为本人姓名）").fill("钱立新")
    payee.get_by_label("银行账号").fill("6217000010009012345")
    payee.get_by_label("开户银行").fill("中国工商银行湖州分行")
    payee.get_by_label("开户行联行号").fill("102336000015")
    payee.get_by_label("银行卡或社会保障卡正面影像").set_input_files(str(material))
    payee.get_by_role("button", name="提交账户").click()
    expect(ent.get_by_text("领奖人账户已提交")).to_be_visible()
    ent.get_by_label("上传推荐表（单位盖章）").set_input_files(str(material))
    ent.get_by_role("listitem").filter(has_text="推荐表（单位盖章）").get_by_role(
        "button", name="上传", exact=True
    ).click()
    ent.get_by_role("button", name="提交申报").click()
    expect(ent.get_by_test_id("state")).to_have_text("已提交，等待区县审核")
    number = re.search(r"HZGJ\d+", ent.get_by_role("heading", level=1).inner_text())[0]
    shot(ent, "01-submitted")

    # 4-6. District review, city review, city approval.
    for username, button in (("district", "区县初审通过"), ("city_reviewer", "市级复审通过"),
                             ("city_approver", "市级审批同意")):  # fmt: skip
        staff = desk(username)
        open_application(staff, number)
        expect(staff.get_by_text("提交").first).to_be_visible()  # the timeline says who did what, in words
        staff.get_by_role("button", name=button).click()
        staff.wait_for_url("**/review/queue/")
    approver = staff

    # 7. Publish the notice; the public sees it without logging in.
    approver.get_by_role("link", name="公示管理").click()
    approver.get_by_label(number).check()
    approver.get_by_role("button", name="发布公示").click()
    approver.goto("/notices/")
    expect(approver.get_by_text("钱立新")).to_be_visible()
    assert "330502198005061236" not in approver.content()
    shot(approver, "07-public-notice")

    # 8. End the notice early with the demo button.
    approver.get_by_role("link", name="公示管理").click()
    approver.locator("a[href^='/review/notices/']").filter(has_text=re.compile(".+")).last.click()
    approver.get_by_role("button", name="演示模式：提前结束公示").click()
    expect(approver.get_by_role("button", name="演示模式：提前结束公示")).to_have_count(0)  # the notice has ended
    shot(approver, "08-notice-ended")

    # 9. The enterprise sees the result, its award and the letter.
    ent.goto("/enterprise/")
    expect(ent.get_by_text("已批准").first).to_be_visible()
    ent.get_by_role("link", name="我的资助").click()
    expect(ent.get_by_test_id("award-total")).to_have_text("10,000.00 元")
    ent.get_by_role("link", name="资助文件").click()
    expect(ent.get_by_role("link", name="下载").first).to_be_visible()
    shot(ent, "09-letter")

    # 10. A finance checker verifies the awardee's account against the bank card image.
    checker = desk("finance_checker")
    checker.goto("/bank-accounts/")
    checker.get_by_role("link", name=re.compile("钱立新")).first.click()
    checker.get_by_role("button", name="核验通过").click()
    expect(checker.get_by_text("已核验").first).to_be_visible()

    # 10-11. Finance prepares a batch; a second person checks it.
    finance = desk("finance")
    finance.goto("/finance/")
    finance.get_by_label("全选").check()
    finance.get_by_role("button", name="用所选款项编制付款批次").click()
    batch_url = finance.url
    checker.goto(batch_url)
    checker.get_by_role("button", name="复核通过").click()
    expect(checker.get_by_test_id("batch-state")).to_have_text("已复核，可导出")

    # 12-13. Export the bank file; import the bank's answer made from it.
    finance.goto(batch_url)
    # The title is paid to the person: the 代发 file (对私, with his ID number), net of the income tax withheld.
    with finance.expect_download() as download:
        finance.get_by_test_id("bank-file-payroll").get_by_role("button", name="XLSX").click()
    exported = tmp_path / "batch.xlsx"
    download.value.save_as(exported)
    rows = [r for r in load_workbook(exported).active.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert [(r[2], r[5]) for r in rows] == [("钱立新", 8000)]  # 10,000 less 20% withheld as 偶然所得
    answer = Workbook()
    answer.active.append(["收款账号", "金额", "结果", "失败原因"])
    for row in rows:
        answer.active.append([row[1], f"{row[5]:.2f}", "成功", ""])
    buffer = io.BytesIO()
    answer.save(buffer)
    (tmp_path / "result.xlsx").write_bytes(buffer.getvalue())
    finance.reload()  # the import section appears once a bank file has been exported (the walkthrough says so)
    finance.get_by_label("回盘文件").set_input_files(str(tmp_path / "result.xlsx"))
    finance.get_by_role("button", name="导入回盘").click()
    expect(finance.get_by_test_id("batch-state")).to_have_text("已回盘")
    shot(finance, "13-paid")

    # 14. Look back: the enterprise sees it paid; the audit log names the early close; the dashboard counts it.
    ent.get_by_role("link", name="我的资助").click()
    expect(ent.get_by_text("已支付").first).to_be_visible()
    auditor = desk("auditor")
    auditor.get_by_role("link", name="审计日志").click()
    expect(auditor.get_by_text("演示模式：提前结束公示").first).to_be_visible()
    approver.get_by_role("link", name="政策看板").click()
    approver.get_by_label("统计区间").select_option("since")  # 自政策发布至今
    approver.get_by_role("button", name="查看").click()
    assert "湖州工匠\t1\t250" in approver.get_by_test_id("table-titles").inner_text()
    shot(approver, "14-dashboard")
