"""The policy dashboard against hand-computed totals, its fixed query count, and the studios' review and exit."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Apprentice, Person
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from subsidies import dashboard, payments, studios
from subsidies.dashboard_window import window_for
from subsidies.models import EvaluationFiling, Instalment, PolicyFigure, Studio
from tests.conftest import login
from tests.factories import OrganisationFactory, district, make_award, make_resident_id, make_user

pytestmark = pytest.mark.django_db


def table(tables, key):
    return next(t for t in tables if t.key == key)


def studio_award(name, level="municipal", total="80000.00", organisation=None):
    award = make_award(
        scheme="master_studio", level=level, total=total, instalments=(total,), organisation=organisation
    )
    award.application.details = {"studio_name": name}
    award.application.save()
    award.studio = studios.studio_for_award(award)
    award.save()
    return award


@pytest.fixture
def data(db):
    admin = make_user(Role.ADMINISTRATOR)
    anji = OrganisationFactory(district=district("anji"))
    grand = make_award(total="200000.00", instalments=("100000.00", "100000.00"), level="grand")
    make_award(total="10000.00", level="craftsman")
    make_award(total="5000.00", instalments=("5000.00",), level="youth", organisation=anji)
    make_award(total="2000000.00", instalments=("2000000.00",), scheme="training_base", level="national_base")
    apprenticeship = make_award(total="8916.67", instalments=("8916.67",), scheme="apprenticeship", level="")
    for seq, amount in ((1, "6000.00"), (2, "2916.67"), (3, "0.00")):
        Apprentice.objects.create(
            application=apprenticeship.application, row_number=seq, occupation="电工", contract_months=24,
            filed_months=12, trained_months=12, start_month=date(2025, 1, 1), end_month=date(2025, 12, 1),
            person=Person.objects.create(resident_id=make_resident_id(300 + seq), name=f"学徒{seq}"),
            amount=Decimal(amount),
        )  # fmt: skip
    studio_award("数控大师工作室")
    # one instalment paid: mark it as the bank would
    Instalment.objects.filter(award=grand, year=1).update(state="paid")
    PolicyFigure.objects.create(indicator="s4_city_competitions", year=2026, value=12, source="市人社局竞赛处统计",
                                entered_by=admin)  # fmt: skip
    EvaluationFiling.objects.create(kind="self_evaluating", organisation_name="湖州某企业", year=2026,
                                    filed_on="2026-05-01", recorded_by=admin)  # fmt: skip
    return {"admin": admin}


def test_every_figure_matches_hand_computed_totals(data):
    tables = dashboard.build(window_for("since"))
    titles = {r[0]: r[1:3] for r in table(tables, "titles").rows}
    assert titles == {"湖州大工匠": [1, 50], "湖州工匠": [1, 250], "湖州乡村工匠": [0, 250], "湖州青年工匠": [1, 1000]}
    studio_rows = {r[0]: r[1] for r in table(tables, "studios").rows}
    assert studio_rows["市级技能大师工作室"] == 1 and studio_rows["已退出"] == 0
    counted = {r[0]: r[1:3] for r in table(tables, "counted").rows}
    assert counted["§9 企业新型学徒（人）"] == [2, 20000]  # the apprentice with 0.00 is not counted
    assert counted["自主评价备案企业"] == [1, 800]
    competitions = {r[0]: r for r in table(tables, "city_competitions").rows}
    assert competitions["2026"][1:3] == [12, 20] and "人工录入" in competitions["2026"][4]
    assert competitions["2025"][1:4] == [0, 20, ""] and competitions["2025"][4] == "尚未录入"
    money = {r[0]: r[1:] for r in table(tables, "money_scheme").rows}
    assert money["湖州工匠遴选资助（第3条）"] == [Decimal("215000.00"), Decimal("100000.00"), Decimal("115000.00")]
    assert money["高技能人才培训基地资助（第5条）"] == [Decimal("2000000.00"), Decimal("0.00"), Decimal("2000000.00")]
    assert money["企业新型学徒制培训补贴（第9条）"][0] == Decimal("8916.67")
    total_committed = sum(r[1] for r in table(tables, "money_scheme").rows)
    assert total_committed == Decimal("2303916.67")
    assert sum(r[1] for r in table(tables, "money_district").rows) == total_committed
    assert sum(r[1] for r in table(tables, "money_year").rows) == total_committed
    assert sum(r[1] for r in table(tables, "money_level").rows) == total_committed
    districts = {r[0]: r[1] for r in table(tables, "money_district").rows}
    assert districts["安吉县"] == Decimal("5000.00")


def test_the_dashboard_query_count_does_not_grow(client, data):
    login(client, make_user(Role.CITY_APPROVER))
    client.get(reverse("dashboard") + "?window=since")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard") + "?window=since")
    for _ in range(5):
        make_award(total="10000.00", level="craftsman")
        studio_award(f"工作室{_}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("dashboard") + "?window=since")
    assert response.status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("role", [Role.CITY_APPROVER, Role.AUDITOR, Role.FINANCE_MAKER])
def test_dashboard_and_exports_for_the_roles_that_see_it(client, data, role):
    login(client, make_user(role))
    page = client.get(reverse("dashboard") + "?window=since").content.decode()
    assert "215,000.00" in page
    assert "湖州大工匠" in page and "<svg" in page
    csv_text = client.get(reverse("dashboard-export", args=["csv"]) + "?window=since").content.decode("utf-8-sig")
    assert "215000.00" in csv_text and "湖州青年工匠" in csv_text
    xlsx = client.get(reverse("dashboard-export", args=["xlsx"]))
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert AuditEvent.objects.filter(action="dashboard.export").count() == 2


def test_enterprise_and_district_reviewer_do_not_see_the_dashboard(client, data):
    for role in (Role.ENTERPRISE, Role.DISTRICT_REVIEWER):
        login(client, make_user(role))
        assert client.get(reverse("dashboard") + "?window=since").status_code == 403


def test_two_failed_reviews_in_a_row_exit_the_studio_and_stop_its_payments(data):
    reviewer = make_user(Role.CITY_REVIEWER)
    award = Studio.objects.get().awards.get()
    studio = award.studio
    studios.studio_review_record(studio=studio, year=2024, result="fail", notes="", by=reviewer)
    studios.studio_review_record(studio=studio, year=2025, result="pass", notes="", by=reviewer)
    studios.studio_review_record(studio=studio, year=2026, result="fail", notes="", by=reviewer)
    studio.refresh_from_db()
    assert not studio.has_exited  # not in a row
    studios.studio_review_record(studio=studio, year=2027, result="fail", notes="整改不到位", by=reviewer)
    studio.refresh_from_db()
    assert studio.has_exited and "连续 2 年" in studio.exit_reason
    assert AuditEvent.objects.filter(action="studio.exit", target_id=str(studio.pk)).exists()
    instalment = award.instalments.get()
    assert instalment.pk not in payments.instalments_due().values_list("pk", flat=True)
    with pytest.raises(ValidationError):
        payments.batch_create(instalment_ids=[instalment.pk], by=make_user(Role.FINANCE_MAKER))
    exited = {r[0]: r[1] for r in table(dashboard.build(window_for("since")), "studios").rows}
    assert exited["已退出"] == 1 and exited["当前在册"] == 0
    assert exited["市级技能大师工作室"] == 1  # an exited studio still counts as newly established (RULES.md)


def test_the_bureau_can_decide_an_exit_with_a_reason(data):
    studio = Studio.objects.get()
    with pytest.raises(ValidationError, match="退出必须写明原因"):
        studios.studio_exit(studio=studio, reason=" ", by=make_user(Role.CITY_APPROVER))
    with pytest.raises(PermissionDenied):
        studios.studio_exit(studio=studio, reason="x", by=make_user(Role.ENTERPRISE))
    studios.studio_exit(studio=studio, reason="停止运行", by=make_user(Role.CITY_APPROVER))
    assert Instalment.objects.filter(award__studio=studio, state="cancelled").count() == 1


def test_a_studio_rated_higher_keeps_one_history(data):
    studio = Studio.objects.get()
    studios.studio_review_record(
        studio=studio, year=2025, result="excellent", notes="", by=make_user(Role.CITY_REVIEWER)
    )
    organisation = studio.awards.get().organisation
    provincial = studio_award("数控大师工作室", level="provincial", total="50000.00", organisation=organisation)
    assert provincial.studio == studio
    studio.refresh_from_db()
    assert studio.level == "provincial" and studio.reviews.count() == 1 and studio.awards.count() == 2
    assert [(c.from_level, c.to_level) for c in studio.level_changes.all()] == [
        ("", "municipal"),
        ("municipal", "provincial"),
    ]


def test_the_exit_rule_is_a_setting_stated_on_the_studio_pages(client, data, settings):
    settings.STUDIO_EXIT_AFTER_FAILED_REVIEWS = 3
    reviewer = make_user(Role.CITY_REVIEWER)
    studio = Studio.objects.get()
    login(client, reviewer)
    for page in (reverse("studio-list"), reverse("studio-detail", args=[studio.pk])):
        assert "连续 3 年绩效考核不合格" in client.get(page).content.decode()
    for year in (2024, 2025):
        studios.studio_review_record(studio=studio, year=year, result="fail", notes="", by=reviewer)
    studio.refresh_from_db()
    assert not studio.has_exited  # two failures are not enough when the bureau says three
    studios.studio_review_record(studio=studio, year=2026, result="fail", notes="", by=reviewer)
    studio.refresh_from_db()
    assert studio.has_exited and "连续 3 年" in studio.exit_reason


def test_a_downgrade_by_decision_keeps_the_studio_and_its_paid_awards(client, data):
    studio = Studio.objects.get()
    award = studio.awards.get()
    approver = make_user(Role.CITY_APPROVER)
    with pytest.raises(ValidationError, match="必须写明理由"):
        studios.studio_level_change(studio=studio, level="municipal", reason="", by=approver)
    organisation = award.organisation
    studio_award("数控大师工作室", level="provincial", total="50000.00", organisation=organisation)
    login(client, approver)
    client.post(reverse("studio-level", args=[studio.pk]), {"level": "municipal", "reason": "2026年度复核降为市级"})
    studio.refresh_from_db()
    assert studio.level == "municipal" and Studio.objects.count() == 1
    assert [c.to_level for c in studio.level_changes.all()] == ["municipal", "provincial", "municipal"]
    assert studio.awards.count() == 2 and {a.total for a in studio.awards.all()} == {
        Decimal("80000.00"),
        Decimal("50000.00"),
    }
    assert AuditEvent.objects.filter(action="studio.level_change", target_id=str(studio.pk)).exists()
    page = client.get(reverse("studio-detail", args=[studio.pk])).content.decode()
    assert "2026年度复核降为市级" in page
    login(client, make_user(Role.FINANCE_MAKER))
    assert (
        client.post(reverse("studio-level", args=[studio.pk]), {"level": "national", "reason": "x"}).status_code == 403
    )


def test_studio_pages(client, data):
    studio = Studio.objects.get()
    login(client, make_user(Role.CITY_REVIEWER))
    assert studio.name in client.get(reverse("studio-list")).content.decode()
    client.post(reverse("studio-review", args=[studio.pk]), {"year": 2025, "result": "pass", "notes": "达标"})
    assert studio.reviews.get().result == "pass"
    login(client, make_user(Role.AUDITOR))
    assert client.post(reverse("studio-exit", args=[studio.pk]), {"reason": "x"}).status_code == 403


# --- The counting window (RULES.md "Counting") -------------------------------------------------------------------


def approved_on(award, day: str):
    """Move an award's approval (and the studio rating it made) to a day, as if approved then."""
    moment = timezone.make_aware(datetime.fromisoformat(f"{day}T10:00"))
    award.approved_at = moment
    award.save(update_fields=["approved_at"])
    if award.studio_id:
        award.studio.level_changes.filter(to_level=award.level).update(decided_at=moment)
    return award


def test_the_default_window_is_the_policy_period_and_each_window_counts_its_own(db):
    approved_on(make_award(level="craftsman"), "2021-10-19")  # the day before the policy's issue: never counted
    approved_on(make_award(level="craftsman"), "2021-10-20")
    approved_on(make_award(level="craftsman"), "2025-12-31")
    make_award(level="craftsman")  # today, 2026
    counts = {}
    for key in ("policy", "since", "2021", "2025", "2026"):
        rows = {r[0]: r for r in table(dashboard.build(window_for(key)), "titles").rows}
        counts[key] = rows["湖州工匠"][1:3]
    assert counts == {
        "policy": [2, 250], "since": [3, 250], "2021": [1, "—"], "2025": [1, "—"], "2026": [1, "—"],
    }  # fmt: skip
    assert window_for(None).key == window_for("nonsense").key == "policy"


def test_studios_count_once_at_each_level_newly_rated_and_exited_ones_still_count(db):
    organisation = OrganisationFactory()
    approved_on(studio_award("精密加工大师工作室", organisation=organisation), "2022-05-01")
    upgraded = approved_on(
        studio_award("精密加工大师工作室", level="provincial", total="50000.00", organisation=organisation),
        "2024-03-01",
    )
    approved_on(studio_award("后来的工作室"), "2026-02-01")  # after the policy window
    bureau = make_user(Role.CITY_APPROVER)
    studio = upgraded.studio
    studios.studio_level_change(studio=studio, level="municipal", reason="考核降级", by=bureau)  # not a new rating
    studios.studio_exit(studio=studio, reason="停止运营", by=bureau)
    rows = {r[0]: r[1:3] for r in table(dashboard.build(window_for("policy")), "studios").rows}
    assert rows["市级技能大师工作室"] == [1, 50] and rows["省级技能大师工作室"] == [1, 8]
    assert rows["当前在册"][0] == 1 and rows["已退出"][0] == 1
    since = {r[0]: r[1] for r in table(dashboard.build(window_for("since")), "studios").rows}
    assert since["市级技能大师工作室"] == 2


def test_filings_and_entered_figures_count_in_the_window(data):
    admin = data["admin"]
    for day, name in (("2021-10-19", "发布前企业"), ("2021-10-20", "首日企业"), ("2025-12-31", "末日企业")):
        EvaluationFiling.objects.create(kind="self_evaluating", organisation_name=name, year=int(day[:4]),
                                        filed_on=day, recorded_by=admin)  # fmt: skip
    for year, value in ((2022, 9000), (2023, 11000), (2026, 5000)):
        PolicyFigure.objects.create(
            indicator="s2_rural", year=year, value=value, source="市农业农村局", entered_by=admin
        )
    tables = dashboard.build(window_for("policy"))
    counted = {r[0]: r[1:3] for r in table(tables, "counted").rows}
    assert counted["自主评价备案企业"] == [2, 800]  # the 2026 filing of the fixture and the one before issue: out
    rural = next(r for r in table(tables, "entered").rows if r[0].startswith("§2 乡村人才"))
    assert "人次" in rural[0] and rural[1:4] == [20000, 40000, "50.0%"] and rural[4] == "2022、2023"
    assert all("人次" in r[0] for r in table(tables, "entered").rows if r[0].startswith("§2"))


def test_overall_targets_and_the_technician_college_are_entered_figures(data):
    admin = data["admin"]
    for indicator, value in (("overall_skilled", 820_000), ("overall_high_skilled", 300_000),
                             ("overall_employed", 2_500_000), ("s11_technician_college", 1)):  # fmt: skip
        PolicyFigure.objects.create(
            indicator=indicator, year=2025, value=value, source="市统计局年报", entered_by=admin
        )
    rows = {r[0]: r for r in table(dashboard.build(window_for("policy")), "overall").rows}
    assert rows["技能人才总量（人）"][1:4] == [820_000, 800_000, "102.5%"]
    assert rows["高技能人才占技能人才比例（%）"][1:4] == [Decimal("36.6"), 35, "已达到"]
    assert rows["技能人才占就业人员比例（%）"][1:4] == [Decimal("32.8"), 35, "未达到"]
    assert rows["万人技师学院（所）"][1:4] == [1, 1, "已达到"]
    assert "市统计局年报" in rows["万人技师学院（所）"][5]


def test_the_page_is_the_end_of_period_view_and_offers_the_windows(client, data):
    login(client, make_user(Role.CITY_APPROVER))
    page = client.get(reverse("dashboard")).content.decode()
    assert "2025 年目标" not in page
    assert "终期评估" in page and "2021-10-20 至 2025-12-31" in page
    assert 'value="since"' in page and 'value="2023"' in page
    page = client.get(reverse("dashboard") + "?window=2026").content.decode()
    end = min(timezone.localdate(), date(2026, 12, 31))  # the year so far, in the bureau's time zone
    assert f"2026 年度：2026-01-01 至 {end}" in page


def test_the_evaluators_xlsx_has_rows_per_scheme_year_and_district_with_safe_cells(client, data):
    from openpyxl import load_workbook

    PolicyFigure.objects.create(indicator="s1_emerging", year=2024, value=7, source="=HYPERLINK(\"x\")",
                                entered_by=data["admin"])  # fmt: skip
    login(client, make_user(Role.AUDITOR))
    response = client.get(reverse("dashboard-export", args=["xlsx"]) + "?window=since")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:2] == ["说明", "evaluation"]
    rows = [[c.value for c in r] for r in book["evaluation"].iter_rows()]
    assert rows[1] == [
        "类别",
        "年度",
        "区县",
        "申报（件）",
        "批准（件）",
        "批准金额（元）",
        "已支付（元）",
        "待支付（元）",
    ]
    anji = next(r for r in rows if r[2] == "安吉县")
    assert anji[:2] == ["湖州工匠遴选资助（第3条）", 2026] and anji[4:7] == [1, 5000, 0]
    assert rows[-1][0] == "合计" and rows[-1][5] == 2303916.67
    sources = [c.value for r in book["entered"].iter_rows() for c in r if isinstance(c.value, str)]
    assert '\'=HYPERLINK("x")（人工录入）' in sources
