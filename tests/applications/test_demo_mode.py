"""Demo mode (embedded only): the periodic work runs while pages are served, and an approver may end a notice
early, a button marked as a demo and audited; outside demo mode neither exists."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import notices
from applications.models import PublicNotice
from huzhou_craftsman import periodic
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from tests.applications.test_notices import craftsman_awaiting
from tests.conftest import login
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DEMO_BUTTON = "演示模式：提前结束公示"


@pytest.fixture(autouse=True)
def _fresh_beat():
    periodic.reset()
    yield
    periodic.reset()


@pytest.fixture
def open_notice(enterprise_user, approver):
    application = craftsman_awaiting(enterprise_user, seq=41, approver=make_user(Role.CITY_APPROVER))
    return notices.notice_open(applications=[application], title="第一批", by=approver)


@pytest.fixture
def approver(db):
    return make_user(Role.CITY_APPROVER, full_name="赵审批")


def test_the_test_settings_are_not_demo_mode(settings):
    # The suite runs in server mode (DATABASE_URL set): demo mode is off unless a test turns it on.
    assert settings.DEMO_MODE is False


def test_outside_demo_mode_there_is_no_early_close_button_and_the_post_is_refused(client, open_notice, approver):
    login(client, approver)
    page = client.get(reverse("notice-detail", args=[open_notice.pk])).content.decode()
    assert DEMO_BUTTON not in page
    response = client.post(reverse("notice-close-early", args=[open_notice.pk]))
    assert response.status_code == 403
    open_notice.refresh_from_db()
    assert open_notice.closed_at is None
    assert not AuditEvent.objects.filter(action__startswith="notice.close").exists()


def test_in_demo_mode_the_approver_ends_a_notice_early_and_it_is_audited(client, settings, open_notice, approver):
    settings.DEMO_MODE = True
    login(client, approver)
    page = client.get(reverse("notice-detail", args=[open_notice.pk])).content.decode()
    assert DEMO_BUTTON in page
    response = client.post(reverse("notice-close-early", args=[open_notice.pk]), follow=True)
    assert "演示模式：公示已提前结束，1 份申报获批准" in response.content.decode()
    open_notice.refresh_from_db()
    assert open_notice.closed_at is not None
    assert open_notice.applications.get().state == "approved"
    event = AuditEvent.objects.get(action="notice.close_early")
    assert event.actor == approver and "演示模式" in event.reason
    assert not AuditEvent.objects.filter(action="notice.close").exists()


def test_in_demo_mode_a_reviewer_still_cannot_end_a_notice(client, settings, open_notice):
    settings.DEMO_MODE = True
    login(client, make_user(Role.CITY_REVIEWER))
    assert DEMO_BUTTON not in client.get(reverse("notice-detail", args=[open_notice.pk])).content.decode()
    assert client.post(reverse("notice-close-early", args=[open_notice.pk])).status_code == 403
    open_notice.refresh_from_db()
    assert open_notice.closed_at is None


def _make_due(notice: PublicNotice) -> None:
    past = timezone.localdate() - timedelta(days=10)
    PublicNotice.objects.filter(pk=notice.pk).update(starts_on=past - timedelta(days=7), ends_on=past)


def test_in_demo_mode_serving_a_page_closes_a_due_notice_once_a_minute_at_most(client, settings, open_notice):
    settings.DEMO_MODE = True
    _make_due(open_notice)
    # given a public page request: the periodic work runs before it
    assert client.get(reverse("notice-public")).status_code == 200
    open_notice.refresh_from_db()
    assert open_notice.closed_at is not None
    assert AuditEvent.objects.get(action="notice.close").actor is None  # the portal itself, as the beat would
    # and a second due notice within the same minute waits for the next look
    second = notices.notice_open(
        applications=[craftsman_awaiting(make_user(Role.ENTERPRISE), seq=42)], title="第二批", by=open_notice.opened_by
    )
    _make_due(second)
    client.get(reverse("notice-public"))
    second.refresh_from_db()
    assert second.closed_at is None


def test_outside_demo_mode_serving_pages_runs_no_periodic_work(client, open_notice):
    _make_due(open_notice)
    client.get(reverse("notice-public"))
    open_notice.refresh_from_db()
    assert open_notice.closed_at is None


def test_each_scheduled_task_runs_by_its_own_interval(settings):
    ran = periodic.run_due_tasks(now=1000.0)
    assert sorted(ran) == sorted(e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values())
    # six minutes later only the five-minute sweeps are due again, not the hourly close or six-hourly clean-up
    assert sorted(periodic.run_due_tasks(now=1000.0 + 360)) == [
        "applications.tasks.notifications_sweep",
        "subsidies.documents.tasks.sweep",
    ]
