"""Finance staff in Chromium: the maker batches due instalments, the checker approves, the maker downloads the
XLSX, uploads the bank's result, and the instalments show paid."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from huzhou_craftsman.accounts.roles import Role
from subsidies.models import Instalment
from tests.e2e.helpers import staff_page
from tests.factories import make_award

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]


def test_maker_checker_export_and_bank_result(new_page, shot, tmp_path):
    make_award(total="200000.00", instalments=("100000.00", "100000.00"))
    make_award(total="10000.00", instalments=("10000.00",))
    maker = staff_page(new_page, Role.FINANCE_MAKER)
    assert "110,000.00" in maker.get_by_test_id("due-totals").inner_text()
    maker.get_by_label("全选").check()
    maker.get_by_role("button", name="用所选款项编制付款批次").click()
    assert maker.get_by_test_id("batch-state").inner_text() == "待复核"
    batch_url = maker.url
    shot(maker, "batch-created")

    checker = staff_page(new_page, Role.FINANCE_CHECKER)
    checker.goto(batch_url)
    checker.get_by_role("button", name="复核通过").click()
    assert checker.get_by_test_id("batch-state").inner_text() == "已复核，可导出"

    maker.goto(batch_url)
    with maker.expect_download() as download_info:
        maker.get_by_test_id("bank-file-transfer").get_by_role("button", name="XLSX").click()
    exported = tmp_path / "batch.xlsx"
    download_info.value.save_as(exported)
    rows = list(load_workbook(exported).active.iter_rows(values_only=True))
    # the control record (its totals), the column headings, then the payments — no total row among them
    assert rows[0][4:6] == ("总笔数", "总金额") and rows[1][4:6] == (2, 110000)
    assert rows[2][:3] == ("序号", "收款单位账号", "收款单位名称") and [r[0] for r in rows[3:]] == [1, 2]

    result = Workbook()
    sheet = result.active
    sheet.append(["收款账号", "金额", "结果", "失败原因"])
    for row in rows[3:]:
        sheet.append([row[1], f"{row[6]:.2f}", "成功", ""])
    buffer = io.BytesIO()
    result.save(buffer)
    result_path = tmp_path / "result.xlsx"
    result_path.write_bytes(buffer.getvalue())
    maker.reload()
    maker.get_by_label("回盘文件").set_input_files(str(result_path))
    maker.get_by_role("button", name="导入回盘").click()
    assert maker.get_by_text("回盘已导入：成功 2 笔").is_visible()
    assert maker.get_by_test_id("batch-state").inner_text() == "已回盘"
    assert all(text == "已支付" for text in maker.get_by_test_id("line-state").all_inner_texts())
    shot(maker, "batch-paid")
    assert Instalment.objects.filter(state="paid").count() == 2
