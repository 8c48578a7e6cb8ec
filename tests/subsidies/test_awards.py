"""Closing a public notice approves what had no objection and turns each application into an award with
instalments exactly as ``subsidies.rules`` decides; the periodic task; the awards page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import notices
from applications.models import Application, PublicNotice
from applications.roster import RosterRow
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from subsidies import rules, services, tasks
from subsidies.models import Award, Instalment
from tests.applications.conftest import craftsman_post
from tests.applications.test_notices import awaiting_notice, craftsman_awaiting, freeze_today, submitted
from tests.conftest import login
from tests.factories import RoundFactory, make_resident_id, make_user, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise_user(db):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def approver(db):
    return make_user(Role.CITY_APPROVER)


def publish(applications, approver, title="2026年度第一批") -> PublicNotice:
    return notices.notice_open(applications=applications, title=title, by=approver)


def expire(notice: PublicNotice, days: int = 1) -> PublicNotice:
    """Move a notice's last day into the past (as if the period had run out)."""
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=timezone.localdate() - timedelta(days=days))
    return PublicNotice.objects.get(pk=notice.pk)


def approve_through_notice(application, approver) -> Award:
    notice = publish([application], approver, title=f"公示 {application.number}")
    (award,) = services.notice_close(notice=notice, by=None)
    return award


def roster(*rows) -> list[RosterRow]:
    return [
        roster_row(n, f"学徒{n}", make_resident_id(200 + n, birth="20000101"), "数控车工", *months)
        for n, months in enumerate(rows, start=1)
    ]


# --- The award of each scheme matches the rules engine ------------------------------------------------------------

APPRENTICES = roster((24, 12, 7), (36, 12, 18), (6, 12, 12))  # contract, filed, trained months
SCHEME_CASES = {
    "craftsman_grand": (
        {"scheme": "craftsman_title"},
        craftsman_post(level="grand"),
        None,
        [rules.Claim(scheme="craftsman_title", level="grand")],
    ),
    "competition_expert_team": (
        {"scheme": "competition"},
        {
            "person_name": "王队长",
            "person_resident_id": make_resident_id(20),
            "trade": ("数控铣",),
            "level": "gold",
            "role": "expert_team",
            "team_members": f"张三,{make_resident_id(21)}\n李四,{make_resident_id(22)}",
        },
        None,
        [rules.Claim(scheme="competition", competition="world_skills", level="gold", role="expert_team")],
    ),
    "training_base": (
        {"scheme": "training_base"},
        {"level": "national_base", "document_number": "人社部函〔2025〕12号", "document_date": "2025-06-01"},
        None,
        [rules.Claim(scheme="training_base", level="national_base")],
    ),
    "master_studio_municipal": (
        {"scheme": "master_studio", "municipal_studio_amount": Decimal("80000")},
        {
            "person_name": "钱大师",
            "person_resident_id": make_resident_id(40),
            "level": "municipal",
            "studio_name": "钱大师数控工作室",
            "document_number": "湖人社〔2026〕3号",
            "document_date": "2026-03-01",
        },
        None,
        [rules.Claim(scheme="master_studio", level="municipal", amount=Decimal("80000"))],
    ),
    "apprenticeship_roster": (
        {"scheme": "apprenticeship"},
        {"training_provider": "湖州技师学院", "filing_number": "BA-2026-01"},
        APPRENTICES,
        [
            rules.Claim(
                scheme="apprenticeship",
                contract_months=r.contract_months,
                filed_months=r.filed_months,
                trained_months=r.trained_months,
            )
            for r in APPRENTICES
        ],
    ),
    # §9 学费补助, §9 岗位补贴, §10 生活补贴: every listed person at the round's amount.
    "tuition": (
        {"scheme": "tuition", "standard_amount": Decimal("3000")},
        {
            "people": f"周一,{make_resident_id(50)}\n吴二,{make_resident_id(51)}",
            "college": "湖州技师学院",
            "class_type": "preparatory_technician",
            "graduation_year": "2026",
        },
        None,
        [rules.Claim(scheme="tuition", amount=Decimal("3000"))] * 2,
    ),
    "post_allowance": (
        {"scheme": "post_allowance", "standard_amount": Decimal("2400")},
        {"people": f"郑三,{make_resident_id(52)}", "system_document": "高技能岗位津贴办法", "post": "数控加工"},
        None,
        [rules.Claim(scheme="post_allowance", amount=Decimal("2400"))],
    ),
    "living_allowance": (
        {"scheme": "living_allowance", "standard_amount": Decimal("2000")},
        {
            "people": f"王四,{make_resident_id(53)}\n冯五,{make_resident_id(54)}\n陈六,{make_resident_id(55)}",
            "partner_area": "四川省凉山州",
            "agreement": "HZ-LS-2026-01",
        },
        None,
        [rules.Claim(scheme="living_allowance", amount=Decimal("2000"))] * 3,
    ),
}


@pytest.mark.parametrize("case", SCHEME_CASES)
def test_each_scheme_gets_the_award_the_rules_engine_decides(case, enterprise_user, approver):
    round_kwargs, data, rows, claims = SCHEME_CASES[case]
    application = awaiting_notice(submitted(enterprise_user, RoundFactory(**round_kwargs), data, roster_rows=rows))
    decisions = [rules.evaluate(claim) for claim in claims]
    expected_total = sum((d.total for d in decisions), Decimal("0"))
    # Instalments per year: the apprenticeship roster is paid in year 1, summed over the apprentices.
    expected = {}
    for decision in decisions:
        for installment in decision.installments:
            expected[installment.year] = expected.get(installment.year, Decimal("0")) + installment.amount

    award = approve_through_notice(application, approver)

    today = timezone.localdate()
    assert award.total == expected_total > 0
    assert award.scheme == application.scheme and award.level == application.level
    assert award.organisation == enterprise_user.organisation and award.person_id == application.person_id
    assert award.policy_edition == rules.POLICY_EDITION and award.approved_by is None
    assert {i.year: i.amount for i in award.instalments.all()} == expected
    assert all(i.due_on == services.add_years(today, i.year - 1) and i.state == "due" for i in award.instalments.all())
    if "people" in data:  # the per-person basis, then the list's count and total
        assert award.basis.startswith(decisions[0].basis)
        assert f"名册 {len(decisions)} 人，其中 {len(decisions)} 人符合条件" in award.basis
    elif len(decisions) == 1:
        assert award.basis == decisions[0].basis
    else:
        assert "名册 3 人，其中 2 人符合条件" in award.basis  # the third apprentice's contract is under a year
    application.refresh_from_db()
    assert application.state == "approved" and application.approved_total == award.total


def test_the_grand_craftsman_is_paid_in_two_halves_a_year_apart(enterprise_user, approver):
    application = craftsman_awaiting(enterprise_user, seq=1, level="grand")
    award = approve_through_notice(application, approver)
    first, second = award.instalments.order_by("year")
    today = timezone.localdate()
    assert (first.amount, first.due_on) == (Decimal("100000.00"), today)
    assert (second.amount, second.due_on) == (Decimal("100000.00"), services.add_years(today, 1))
    assert second.due_on.year == today.year + 1
    event = AuditEvent.objects.get(action="award.create")
    assert event.data["total"] == "200000.00" and event.actor_name == "system"


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2028, 2, 29), date(2029, 2, 28)), (date(2026, 11, 25), date(2027, 11, 25))],
)
def test_year_two_falls_on_the_same_day_a_year_later_and_29_february_on_28(day, expected):
    assert services.add_years(day, 1) == expected


def test_an_award_approved_on_29_february_has_year_two_on_28_february(monkeypatch, enterprise_user, approver):
    application = craftsman_awaiting(enterprise_user, seq=2, level="grand")
    notice = publish([application], approver)
    freeze_today(monkeypatch, date(2028, 2, 29))
    (award,) = services.notice_close(notice=notice, by=None)
    assert [i.due_on for i in award.instalments.order_by("year")] == [date(2028, 2, 29), date(2029, 2, 28)]


def test_an_ineligible_claim_gets_a_zero_award_without_instalments(enterprise_user, approver):
    data = {"person_name": "赵教练", "person_resident_id": make_resident_id(30), "level": "gold", "role": "coach",
            "trade": ("焊接", "第二届全国技能大赛（中国技能大赛）", "china_skills", 2023)}  # fmt: skip
    application = awaiting_notice(submitted(enterprise_user, RoundFactory(scheme="competition"), data))
    award = approve_through_notice(application, approver)
    assert award.total == Decimal("0") and not award.instalments.exists()
    assert "不在奖励范围" in award.basis


# --- 就高不重复: person-level top-up under the craftsman-title scheme -------------------------------------------


@pytest.mark.parametrize(
    ("level", "total", "instalments"),
    [
        ("grand", Decimal("195000.00"), [Decimal("97500.00"), Decimal("97500.00")]),
        ("craftsman", Decimal("5000.00"), [Decimal("5000.00")]),
    ],
)
def test_a_higher_title_after_a_youth_award_tops_up_the_difference(
    enterprise_user, approver, level, total, instalments
):
    youth = craftsman_awaiting(enterprise_user, seq=3, level="youth")
    assert approve_through_notice(youth, approver).total == Decimal("5000.00")
    higher = craftsman_awaiting(enterprise_user, seq=3, level=level)  # the same person
    award = approve_through_notice(higher, approver)
    expected = rules.evaluate(rules.Claim(scheme="craftsman_title", level=level, already_received=Decimal("5000")))
    assert award.total == expected.total == total
    assert award.already_received == Decimal("5000.00") and "补差" in award.basis
    assert [i.amount for i in award.instalments.order_by("year")] == instalments


def test_two_titles_in_one_notice_never_pay_more_than_the_highest(enterprise_user, approver):
    youth = craftsman_awaiting(enterprise_user, seq=4, level="youth")
    grand = craftsman_awaiting(enterprise_user, seq=4, level="grand")
    awards = services.notice_close(notice=publish([grand, youth], approver), by=None)
    assert sum(a.total for a in awards) == Decimal("200000.00")


def test_a_revoked_award_and_other_schemes_do_not_count_against_the_title(enterprise_user, approver):
    youth = craftsman_awaiting(enterprise_user, seq=5, level="youth")
    Award.objects.filter(pk=approve_through_notice(youth, approver).pk).update(state=Award.State.REVOKED)
    craftsman = craftsman_awaiting(enterprise_user, seq=5, level="craftsman")
    assert approve_through_notice(craftsman, approver).total == Decimal("10000.00")


# --- Closing a notice ---------------------------------------------------------------------------------------------


@pytest.fixture
def notice_of_two(enterprise_user, approver):
    applications = [craftsman_awaiting(enterprise_user, seq=s, approver=approver) for s in (6, 7)]
    return publish(applications, approver)


def test_an_objected_application_is_skipped_and_the_rest_approved(notice_of_two):
    objected, other = notice_of_two.applications.order_by("pk")
    notices.objection_record(
        notice=notice_of_two, application=objected, reason="业绩存疑", received_on=timezone.localdate(),
        by=make_user(Role.CITY_REVIEWER),
    )  # fmt: skip
    awards = services.notice_close(notice=notice_of_two, by=None)
    assert [a.application_id for a in awards] == [other.pk]
    assert Application.objects.get(pk=objected.pk).state == "city_review"
    assert not Award.objects.filter(application=objected).exists()
    notice = PublicNotice.objects.get(pk=notice_of_two.pk)
    assert notice.closed_at is not None
    event = AuditEvent.objects.get(action="notice.close")
    assert event.data["approved"] == [other.number] and event.data["skipped_objections"] == [objected.number]


def test_awarding_twice_makes_one_award(notice_of_two):
    first, _second = services.notice_close(notice=notice_of_two, by=None)
    application = first.application
    again = services.award_create(application=application, by=None)
    assert again.pk == first.pk
    assert Award.objects.filter(application=application).count() == 1
    assert Instalment.objects.filter(award=first).count() == 1
    assert AuditEvent.objects.filter(action="award.create").count() == 2  # one per application, not per call


def test_a_notice_closes_once(notice_of_two):
    services.notice_close(notice=notice_of_two, by=None)
    with pytest.raises(ValidationError, match="不能重复结束"):
        services.notice_close(notice=notice_of_two, by=None)
    assert Award.objects.count() == 2


def test_an_application_not_yet_approved_gets_no_award(notice_of_two):
    with pytest.raises(ValidationError, match="尚未批准"):
        services.award_create(application=notice_of_two.applications.first())
    assert not Award.objects.exists()


def test_the_approver_cannot_close_before_the_period_has_passed(notice_of_two, approver):
    with pytest.raises(ValidationError, match="公示期未满，不能提前结束"):
        services.notice_close(notice=notice_of_two, by=approver)
    expire(notice_of_two, days=0)  # the last day itself still belongs to the notice
    with pytest.raises(ValidationError, match="公示期未满"):
        services.notice_close(notice=notice_of_two, by=approver)
    assert not Award.objects.exists()
    awards = services.notice_close(notice=expire(notice_of_two), by=approver)
    assert len(awards) == 2 and all(a.approved_by == approver for a in awards)


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.CITY_REVIEWER, Role.FINANCE_MAKER])
def test_only_the_approver_closes_a_notice(notice_of_two, role):
    with pytest.raises(PermissionDenied):
        services.notice_close(notice=expire(notice_of_two), by=make_user(role))
    assert PublicNotice.objects.get(pk=notice_of_two.pk).closed_at is None


# --- The periodic task --------------------------------------------------------------------------------------------


def test_the_task_closes_only_notices_whose_last_day_has_passed(enterprise_user, approver):
    due = expire(publish([craftsman_awaiting(enterprise_user, seq=8)], approver, title="已期满"))
    ending_today = expire(publish([craftsman_awaiting(enterprise_user, seq=9)], approver, title="今日截止"), days=0)
    running = publish([craftsman_awaiting(enterprise_user, seq=10)], approver, title="公示中")

    assert tasks.close_due_notices() == 1

    assert PublicNotice.objects.get(pk=due.pk).closed_at is not None
    assert PublicNotice.objects.get(pk=ending_today.pk).closed_at is None
    assert PublicNotice.objects.get(pk=running.pk).closed_at is None
    assert Award.objects.get().application == due.applications.get()
    assert tasks.close_due_notices() == 0  # idempotent: nothing left to close


def test_the_task_is_registered_on_the_beat_schedule(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.close_due_notices.name)
    assert entry["schedule"] == timedelta(hours=1)
    assert tasks.close_due_notices.name == "subsidies.tasks.close_due_notices"


# --- Pages --------------------------------------------------------------------------------------------------------


def test_the_approver_closes_an_expired_notice_with_the_button(client, notice_of_two, approver):
    login(client, approver)
    url = reverse("notice-close", args=[notice_of_two.pk])
    early = client.post(url, follow=True).content.decode()
    assert "公示期未满，不能提前结束" in early and not Award.objects.exists()
    expire(notice_of_two)
    detail = client.get(reverse("notice-detail", args=[notice_of_two.pk])).content.decode()
    assert url in detail
    page = client.post(url, follow=True).content.decode()
    assert "2 份申报获批准" in page and "20,000.00" in page
    assert Award.objects.count() == 2


@pytest.mark.parametrize("role", [Role.CITY_REVIEWER, Role.ENTERPRISE])
def test_other_roles_get_403_on_the_close_button(client, notice_of_two, role):
    login(client, make_user(role))
    assert client.post(reverse("notice-close", args=[expire(notice_of_two).pk])).status_code == 403
    assert not Award.objects.exists()


def test_an_enterprise_sees_its_awards_and_not_another_organisations(client, enterprise_user, approver):
    own = approve_through_notice(craftsman_awaiting(enterprise_user, seq=11, level="grand"), approver)
    other_user = make_user(Role.ENTERPRISE)
    other = approve_through_notice(craftsman_awaiting(other_user, seq=12), approver)
    login(client, enterprise_user)
    page = client.get(reverse("award-list")).content.decode()
    assert own.application.number in page and "100,000.00" in page
    assert services.add_years(timezone.localdate(), 1).isoformat() in page  # year-2 due date
    assert other.application.number not in page and other.organisation.name not in page
    assert own.person.resident_id not in page and own.person.masked_resident_id in page


def test_staff_see_all_awards_and_filter_by_scheme(client, enterprise_user, approver):
    title = approve_through_notice(craftsman_awaiting(enterprise_user, seq=13), approver)
    base_data = {"level": "provincial_base", "document_number": "浙人社〔2025〕8号", "document_date": "2025-05-01"}
    base_app = awaiting_notice(submitted(enterprise_user, RoundFactory(scheme="training_base"), base_data))
    base = approve_through_notice(base_app, approver)
    login(client, make_user(Role.AUDITOR))
    page = client.get(reverse("award-list")).content.decode()
    assert title.application.number in page and base.application.number in page
    filtered = client.get(reverse("award-list"), {"scheme": "training_base"}).content.decode()
    assert base.application.number in filtered and title.application.number not in filtered


def test_the_awards_page_runs_the_same_queries_for_one_award_or_many(client, enterprise_user, approver):
    approve_through_notice(craftsman_awaiting(enterprise_user, seq=14, level="grand"), approver)
    login(client, enterprise_user)
    client.get(reverse("award-list"))  # the first request of a session also stamps it
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("award-list"))
    for seq in (15, 16):
        approve_through_notice(craftsman_awaiting(enterprise_user, seq=seq, level="rural"), approver)
    with CaptureQueriesContext(connection) as three:
        client.get(reverse("award-list"))
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]


def test_a_district_reviewer_gets_403_on_the_awards_page(client):
    login(client, make_user(Role.DISTRICT_REVIEWER))
    assert client.get(reverse("award-list")).status_code == 403
