"""The dashboard in Chromium, as a city approver and as an auditor, with its numbers exported."""

import csv
import io

import pytest

from huzhou_craftsman.accounts.roles import Role
from tests.e2e.helpers import staff_page
from tests.factories import make_award

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("reference_data")]


@pytest.mark.parametrize("role", [Role.CITY_APPROVER, Role.AUDITOR])
def test_dashboard_shows_and_exports_the_numbers(new_page, shot, tmp_path, role):
    make_award(total="200000.00", instalments=("100000.00", "100000.00"), level="grand")
    make_award(total="10000.00", level="craftsman")
    page = staff_page(new_page, role)
    page.get_by_role("link", name="政策看板").click()
    assert "终期评估" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("统计区间").select_option("since")  # today's awards are after the policy window
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/dashboard/?window=since")
    titles = page.get_by_test_id("table-titles").inner_text()
    assert "湖州大工匠" in titles and "湖州工匠" in titles
    assert "210,000.00" in page.get_by_test_id("table-money_scheme").inner_text()
    shot(page, f"dashboard-{role.value}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 CSV").click()
    target = tmp_path / "dashboard.csv"
    download_info.value.save_as(target)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert ["湖州大工匠", "1", "50", "2.0%"] in rows
    assert any(row[:2] == ["湖州工匠遴选资助（第3条）", "210000.00"] for row in rows)
