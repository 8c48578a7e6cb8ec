"""Notification e-mails: sent after the decision commits, a broker outage neither breaks the decision nor loses the
e-mail, and the periodic sweep sends what is still unsent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from applications import notifications, tasks
from applications.models import Application, Notification
from applications.workflow import State
from huzhou_craftsman.accounts.roles import Role
from tests.applications.test_review import decide, submitted
from tests.conftest import login
from tests.factories import district, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(tasks.send_notification_email, "apply_async", refuse)
    return monkeypatch


@pytest.fixture
def at_city_approval(enterprise_user):
    enterprise_user.email = "hr@example.cn"
    enterprise_user.save()
    application = submitted(enterprise_user)
    decide(application, "district_pass", make_user(Role.DISTRICT_REVIEWER, district=district("wuxing")))
    decide(application, "city_pass", make_user(Role.CITY_REVIEWER))
    # The earlier steps' on-commit callbacks do not run in a test transaction: count their e-mails as sent.
    Notification.objects.filter(application=application).update(emailed_at=timezone.now())
    return application


def test_an_approval_while_the_broker_is_down_answers_normally_and_the_sweep_emails_later(
    client, at_city_approval, broker_down, django_capture_on_commit_callbacks
):
    login(client, make_user(Role.CITY_APPROVER))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review-decide", args=[at_city_approval.pk]), {"action": "approve"})

    assert response.status_code == 302 and response.url == reverse("review-queue")
    assert Application.objects.get(pk=at_city_approval.pk).state == State.AWAITING_NOTICE
    notification = Notification.objects.get(application=at_city_approval, message__contains="已通过市级审批")
    assert notification.emailed_at is None and not mail.outbox
    assert notifications.notifications_sweep(older_than=timedelta(0)) == 0  # still down: nothing sent

    broker_down.undo()
    assert notifications.notifications_sweep() == 0  # too recent: the task may still be on its way
    assert notifications.notifications_sweep(older_than=timedelta(0)) == 1  # the eager task sends it
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["hr@example.cn"]] and "已通过市级审批" in mail.outbox[0].body
    assert notifications.notifications_sweep(older_than=timedelta(0)) == 0  # sent once


def test_the_sweep_leaves_old_notifications_in_the_inbox_only(at_city_approval):
    unsent = Notification.objects.filter(application=at_city_approval)
    assert unsent.exists()
    unsent.update(emailed_at=None, created_at=timezone.now() - notifications.EMAIL_SWEEP_WITHIN - timedelta(hours=1))
    assert notifications.notifications_sweep(older_than=timedelta(0)) == 0


def test_the_sweep_is_on_the_beat_schedule(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.notifications_sweep.name)
    assert entry["schedule"] <= timedelta(minutes=10)
    assert tasks.send_notification_email.ignore_result and tasks.notifications_sweep.ignore_result
