"""The public notice (公示): working days with the Chinese holiday calendar, opening a notice, objections,
the public page (masked, no login) and the bureau's pages."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications import notices, services
from applications.models import Application, Objection, PublicNotice
from applications.transitions import application_transition
from applications.workflow import Action
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from tests.applications.conftest import attach_required, craftsman_post, save_draft
from tests.conftest import login
from tests.factories import RoundFactory, make_resident_id, make_user

# --- Helpers (also used by tests/subsidies/test_awards.py) ------------------------------------------------------


def submitted(user, round, data: dict, *, roster_rows=None) -> Application:
    """A draft saved through the scheme form, its roster and materials added, then submitted."""
    application = save_draft(user, round, data)
    if roster_rows:
        services.roster_replace(application=application, rows=roster_rows, by=user)
    attach_required(application, user)
    return services.application_submit(application=application, by=user)


def awaiting_notice(application: Application, *, approver=None) -> Application:
    """Take a submitted application through the three review stages, each decided by a different person."""
    deciders = (
        (Action.DISTRICT_PASS, make_user(Role.DISTRICT_REVIEWER, district=application.district)),
        (Action.CITY_PASS, make_user(Role.CITY_REVIEWER)),
        (Action.APPROVE, approver or make_user(Role.CITY_APPROVER)),
    )
    for action, user in deciders:
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            application_transition(locked, action, user)
    return Application.objects.get(pk=application.pk)


def craftsman_awaiting(user, *, seq: int, approver=None, **overrides) -> Application:
    # Born 1995: young enough for the youth title (35 at the round's close), so every level can be used.
    data = craftsman_post(person_resident_id=make_resident_id(seq, birth="19950101"), **overrides)
    return awaiting_notice(submitted(user, RoundFactory(), data), approver=approver)


def freeze_today(monkeypatch, day: date) -> None:
    """Make timezone.localdate() return ``day`` (django.utils.timezone is patched for the test only)."""
    real = timezone.localdate

    def localdate(value=None, timezone=None):
        return day if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def approver(db):
    return make_user(Role.CITY_APPROVER)


# --- Working days -----------------------------------------------------------------------------------------------


def test_the_calendar_knows_national_day_2026_and_its_make_up_days():
    # What chinese_calendar 1.11 says for 2026 (the tests below depend on it): 1–7 October off,
    # 8 October back at work, Saturday 10 October and Sunday 20 September are make-up working days.
    assert not any(chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6
    assert not chinese_calendar.is_workday(date(2026, 10, 11))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 30), 1, date(2026, 9, 30)),  # a working day counts itself
        # 30 Sep, then the holiday, then 8, 9, 10 (make-up Saturday), 12 October.
        (date(2026, 9, 30), 5, date(2026, 10, 12)),
        (date(2026, 10, 1), 1, date(2026, 10, 8)),  # from a holiday: the first working day after it
        (date(2026, 10, 1), 5, date(2026, 10, 13)),
        (date(2026, 9, 18), 3, date(2026, 9, 21)),  # Fri 18, Sun 20 (make-up working day), Mon 21
        (date(2026, 9, 24), 2, date(2026, 9, 28)),  # Thu 24, then Mid-Autumn 25–27, Mon 28
    ],
)
def test_add_working_days_follows_the_holiday_calendar(start, n, expected):
    assert notices.add_working_days(start, n) == expected


def test_a_notice_published_on_a_holiday_starts_on_the_next_working_day():
    assert notices.notice_period(date(2026, 10, 3), 5) == (date(2026, 10, 8), date(2026, 10, 13))
    assert notices.notice_period(date(2026, 9, 30), 5) == (date(2026, 9, 30), date(2026, 10, 12))


def test_years_the_calendar_does_not_know_fall_back_to_monday_to_friday():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2099, 1, 5))
    # Saturday 3 January 2099: starts Monday 5th, five weekdays end on Friday 9th.
    assert notices.notice_period(date(2099, 1, 3), 5) == (date(2099, 1, 5), date(2099, 1, 9))
    assert notices.add_working_days(date(2099, 1, 9), 2) == date(2099, 1, 12)


def test_zero_working_days_is_refused():
    with pytest.raises(ValueError):
        notices.add_working_days(date(2026, 9, 30), 0)


# --- Opening a notice -------------------------------------------------------------------------------------------


def test_opening_a_notice_moves_every_application_and_counts_working_days(
    monkeypatch, enterprise_user, approver, settings
):
    # given two applications approved by the city, and a publication on the last day before National Day
    first = craftsman_awaiting(enterprise_user, seq=1)
    second = craftsman_awaiting(enterprise_user, seq=2, level="rural")
    freeze_today(monkeypatch, date(2026, 9, 30))
    # when
    notice = notices.notice_open(applications=[second, first], title="第一批", by=approver)
    # then
    assert (notice.starts_on, notice.ends_on, notice.working_days) == (date(2026, 9, 30), date(2026, 10, 12), 5)
    assert set(notice.applications.values_list("state", flat=True)) == {"public_notice"}
    event = AuditEvent.objects.get(action="notice.open")
    assert event.actor == approver and event.data["applications"] == [first.number, second.number]
    assert AuditEvent.objects.filter(action="application.open_notice").count() == 2


def test_the_number_of_working_days_is_configurable(monkeypatch, enterprise_user, approver, settings):
    settings.PUBLIC_NOTICE_WORKING_DAYS = 3
    application = craftsman_awaiting(enterprise_user, seq=3)
    freeze_today(monkeypatch, date(2026, 10, 1))
    notice = notices.notice_open(applications=[application], title="第二批", by=approver)
    assert (notice.starts_on, notice.ends_on, notice.working_days) == (date(2026, 10, 8), date(2026, 10, 10), 3)


def test_an_empty_list_is_refused(approver):
    with pytest.raises(ValidationError, match="请至少选择一份"):
        notices.notice_open(applications=[], title="空", by=approver)


def test_an_application_not_awaiting_notice_refuses_the_whole_notice(enterprise_user, approver):
    ready = craftsman_awaiting(enterprise_user, seq=4)
    early = submitted(enterprise_user, RoundFactory(), craftsman_post(person_resident_id=make_resident_id(5)))
    with pytest.raises(ValidationError) as error:
        notices.notice_open(applications=[ready, early], title="第一批", by=approver)
    assert early.number in error.value.messages[0] and "待区县初审" in error.value.messages[0]
    assert not PublicNotice.objects.exists()
    assert Application.objects.get(pk=ready.pk).state == "awaiting_notice"


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.DISTRICT_REVIEWER, Role.CITY_REVIEWER])
def test_only_the_city_approver_opens_a_notice(enterprise_user, role):
    application = craftsman_awaiting(enterprise_user, seq=6)
    if role == Role.ENTERPRISE:
        intruder = enterprise_user  # even the applicant's own organisation
    elif role == Role.DISTRICT_REVIEWER:
        intruder = make_user(role, district=application.district)
    else:
        intruder = make_user(role)
    with pytest.raises(PermissionDenied):
        notices.notice_open(applications=[application], title="第一批", by=intruder)
    assert not PublicNotice.objects.exists()
    assert Application.objects.get(pk=application.pk).state == "awaiting_notice"


# --- Objections -------------------------------------------------------------------------------------------------


@pytest.fixture
def open_notice(enterprise_user, approver):
    applications = [craftsman_awaiting(enterprise_user, seq=7), craftsman_awaiting(enterprise_user, seq=8)]
    return notices.notice_open(applications=applications, title="2026年度第一批", by=approver)


def test_an_objection_sends_the_application_back_to_city_review(open_notice):
    reviewer = make_user(Role.CITY_REVIEWER)
    objected, other = open_notice.applications.order_by("pk")
    objection = notices.objection_record(
        notice=open_notice,
        application=objected,
        reason="群众反映业绩材料与事实不符。",
        received_on=timezone.localdate(),
        by=reviewer,
    )
    assert objection.recorded_by == reviewer
    assert Application.objects.get(pk=objected.pk).state == "city_review"
    assert Application.objects.get(pk=other.pk).state == "public_notice"
    event = AuditEvent.objects.get(action="application.object")
    assert event.reason == "群众反映业绩材料与事实不符。" and event.to_state == "city_review"


def test_an_objection_needs_a_reason_an_open_notice_and_an_application_of_it(open_notice, enterprise_user):
    reviewer = make_user(Role.CITY_REVIEWER)
    application = open_notice.applications.first()
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="请填写异议内容"):
        notices.objection_record(
            notice=open_notice, application=application, reason=" ", received_on=today, by=reviewer
        )
    stranger = craftsman_awaiting(enterprise_user, seq=9)
    with pytest.raises(ValidationError, match="不在本次公示中"):
        notices.objection_record(notice=open_notice, application=stranger, reason="x", received_on=today, by=reviewer)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        notices.objection_record(
            notice=open_notice, application=application, reason="x", received_on=today + timedelta(days=1), by=reviewer
        )
    PublicNotice.objects.filter(pk=open_notice.pk).update(closed_at=timezone.now())
    with pytest.raises(ValidationError, match="公示已结束"):
        notices.objection_record(
            notice=open_notice, application=application, reason="x", received_on=today, by=reviewer
        )
    assert not Objection.objects.exists()


def test_an_enterprise_cannot_record_an_objection(open_notice, enterprise_user):
    with pytest.raises(PermissionDenied):
        notices.objection_record(
            notice=open_notice,
            application=open_notice.applications.first(),
            reason="x",
            received_on=timezone.localdate(),
            by=enterprise_user,
        )
    assert not Objection.objects.exists()


# --- The public page --------------------------------------------------------------------------------------------


def test_the_public_page_needs_no_login_and_shows_no_id_or_phone_numbers(client, open_notice, settings):
    response = client.get(reverse("notice-public"))
    assert response.status_code == 200
    page = response.content.decode()
    for application in open_notice.applications.select_related("person", "organisation"):
        person = application.person
        # name, work unit, occupation, level and amount: what lets colleagues recognise and object
        assert application.number in page and application.organisation.name in page
        assert person.name in page and application.details["occupation"] in page
        assert person.resident_id not in page and person.masked_resident_id not in page
        assert person.resident_id[-4:] not in page
        assert person.mobile and person.mobile not in page
        assert application.organisation.contact_mobile not in page
    assert "湖州工匠" in page and "10,000.00" in page  # level label and amount
    assert open_notice.starts_on.isoformat() in page and open_notice.ends_on.isoformat() in page
    assert "书面形式" in page  # how to lodge an objection
    # and to whom: the bureau's contact from the settings
    for value in (settings.NOTICE_CONTACT_NAME, settings.NOTICE_CONTACT_PHONE, settings.NOTICE_CONTACT_ADDRESS):
        assert value in page
    assert settings.NOTICE_CONTACT_EMAIL in page


def test_the_public_page_also_works_for_a_logged_in_staff_member_without_second_factor(client, open_notice):
    login(client, make_user(Role.CITY_REVIEWER), verified=False)
    assert client.get(reverse("notice-public")).status_code == 200


def test_the_public_page_runs_a_fixed_number_of_queries(
    client, open_notice, enterprise_user, approver, django_assert_num_queries
):
    # the open notices, their applications with organisation and person, the archive's years
    with django_assert_num_queries(3):
        client.get(reverse("notice-public"))
    more = [craftsman_awaiting(enterprise_user, seq=s, approver=approver) for s in (10, 11)]
    notices.notice_open(applications=more, title="第二批", by=approver)
    with django_assert_num_queries(3):
        page = client.get(reverse("notice-public")).content.decode()
    assert "第二批" in page


def test_closed_notices_stay_in_the_public_archive_of_their_year(client, open_notice):
    # given a notice closed long ago
    PublicNotice.objects.filter(pk=open_notice.pk).update(closed_at=timezone.now() - timedelta(days=400))
    year = open_notice.starts_on.year
    # then the front page no longer shows it in full, but links to its year
    front = client.get(reverse("notice-public")).content.decode()
    assert open_notice.applications.first().number not in front
    assert reverse("notice-archive", args=[year]) in front
    # and the year's archive lists it, closed, with a link to the notice as it was published
    archive = client.get(reverse("notice-archive", args=[year])).content.decode()
    assert open_notice.title in archive and "公示已结束" in archive
    assert reverse("notice-public-detail", args=[open_notice.pk]) in archive
    detail = client.get(reverse("notice-public-detail", args=[open_notice.pk])).content.decode()
    application = open_notice.applications.select_related("person").first()
    assert application.number in detail and application.person.name in detail
    assert application.person.masked_resident_id not in detail
    assert "公示已结束" in detail


def test_the_archive_answers_404_for_a_year_without_meaning_or_a_notice_that_does_not_exist(client, db):
    assert client.get(reverse("notice-archive", args=[987654321])).status_code == 404
    assert client.get(reverse("notice-archive", args=[2019])).status_code == 200
    assert client.get(reverse("notice-public-detail", args=[987654321])).status_code == 404


# --- The bureau's pages -----------------------------------------------------------------------------------------


def test_the_approver_opens_a_notice_through_the_page(client, enterprise_user, approver):
    application = craftsman_awaiting(enterprise_user, seq=12)
    login(client, approver)
    page = client.get(reverse("notice-list")).content.decode()
    assert application.number in page and "年度湖州工匠培育工程资助公示（第1批）" in page
    response = client.post(reverse("notice-list"), {"title": "2026年度第一批", "applications": [application.pk]})
    notice = PublicNotice.objects.get()
    assert response.url == reverse("notice-detail", args=[notice.pk])
    assert Application.objects.get(pk=application.pk).state == "public_notice"
    detail = client.get(response.url).content.decode()
    assert application.number in detail and "登记异议" in detail
    assert reverse("notice-close", args=[notice.pk]) not in detail  # not before the end date


def test_opening_without_a_selection_shows_the_error(client, enterprise_user, approver):
    craftsman_awaiting(enterprise_user, seq=13)
    login(client, approver)
    response = client.post(reverse("notice-list"), {"title": "第一批"})
    assert response.status_code == 200 and "请至少选择一份" in response.content.decode()
    assert not PublicNotice.objects.exists()


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.DISTRICT_REVIEWER, Role.FINANCE_MAKER])
def test_other_roles_get_403_on_the_notice_pages(client, role, open_notice):
    login(client, make_user(role))
    assert client.get(reverse("notice-list")).status_code == 403
    assert client.get(reverse("notice-detail", args=[open_notice.pk])).status_code == 403
    assert client.post(reverse("notice-list"), {"title": "x"}).status_code == 403


def test_the_city_reviewer_sees_notices_but_cannot_open_one(client, enterprise_user, open_notice):
    application = craftsman_awaiting(enterprise_user, seq=14)
    login(client, make_user(Role.CITY_REVIEWER))
    page = client.get(reverse("notice-list")).content.decode()
    assert open_notice.title in page and "发布公示" not in page
    response = client.post(reverse("notice-list"), {"title": "x", "applications": [application.pk]})
    assert response.status_code == 403
    assert Application.objects.get(pk=application.pk).state == "awaiting_notice"


def test_the_city_reviewer_records_an_objection_through_the_page(client, open_notice):
    login(client, make_user(Role.CITY_REVIEWER))
    application = open_notice.applications.first()
    response = client.post(
        reverse("notice-objection", args=[open_notice.pk]),
        {"application": application.pk, "received_on": timezone.localdate().isoformat(), "reason": "实名书面异议"},
        follow=True,
    )
    assert "已退回市级复审" in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == "city_review"
    assert Objection.objects.get().reason == "实名书面异议"
