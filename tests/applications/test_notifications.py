"""Notification e-mails: sent after the decision commits, a broker outage neither breaks the decision nor loses the
e-mail, and the periodic sweep sends what is still unsent."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as KombuOperationalError

from applications import notifications, tasks
from applications.models import Application, Notification
from applications.services import application_return
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


# --- A burst is e-mailed in batches (issue 18) --------------------------------------------------------------------


class FailingSecondMessage:
    """A mail server that accepts one message, then refuses the connection (EMAIL_BACKEND for one test)."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_messages(self, messages):
        if len(mail.outbox) >= 1:
            raise ConnectionRefusedError("mail server went away")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def three_organisations():
    """Three organisations with a fresh notification each; the third has no user with an e-mail address."""
    users = [make_user(Role.ENTERPRISE, email=f"hr{n}@example.cn") for n in range(2)]
    silent = make_user(Role.ENTERPRISE, email="")
    made = [
        Notification.objects.create(organisation=u.organisation, message=f"申报 {n} 已提交，等待区县审核。")
        for n, u in enumerate([*users, silent])
    ]
    mail.outbox.clear()
    return made


def test_a_batch_emails_each_recent_notification_once_and_leaves_old_ones_to_the_sweep(three_organisations):
    old = Notification.objects.create(organisation=three_organisations[0].organisation, message="旧消息")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - notifications.EMAIL_SWEEP_AFTER * 2)

    assert notifications.notifications_email_batch() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["hr0@example.cn", "hr1@example.cn"]
    assert all("已提交" in m.body and "湖州工匠" in m.subject for m in mail.outbox)
    assert all(n.emailed_at for n in Notification.objects.filter(pk__in=[n.pk for n in three_organisations]))
    assert Notification.objects.get(pk=old.pk).emailed_at is None  # the sweep's, not the batch's
    assert notifications.notifications_email_batch() == 0 and len(mail.outbox) == 2  # sent once


def test_a_batch_leaves_what_was_written_after_its_window_to_later_batches(three_organisations):
    # A broker outage, say: the window's batch was published before it and must not send what came after.
    window_end = timezone.now()
    Notification.objects.filter(pk=three_organisations[1].pk).update(created_at=window_end + timedelta(seconds=5))
    assert tasks.send_notification_emails(window_end.isoformat()) == 1
    assert [m.to for m in mail.outbox] == [["hr0@example.cn"]]
    assert Notification.objects.get(pk=three_organisations[1].pk).emailed_at is None
    assert notifications.notifications_email_batch(until=window_end + timedelta(seconds=10)) == 1


def test_a_mail_server_failing_midway_marks_what_went_out_and_the_task_retries_the_rest(settings, three_organisations):
    settings.EMAIL_BACKEND = f"{__name__}.FailingSecondMessage"
    with pytest.raises(ConnectionRefusedError):
        notifications.notifications_email_batch()
    first, second, _silent = Notification.objects.filter(pk__in=[n.pk for n in three_organisations]).order_by("pk")
    assert len(mail.outbox) == 1 and first.emailed_at is not None and second.emailed_at is None
    assert tasks.send_notification_emails.autoretry_for == (OSError,)  # ConnectionRefusedError is one


@pytest.fixture
def fake_broker(monkeypatch):
    """Tasks published to the workers (as with a real broker: not run here), recorded instead of sent."""
    published, conf = [], tasks.send_notification_email.app.conf
    for task in (tasks.send_notification_email, tasks.send_notification_emails):
        monkeypatch.setattr(
            task, "apply_async", lambda args, task=task, **kw: published.append((task.name, {"args": args, **kw}))
        )
    monkeypatch.setattr(notifications, "_batch_window_ends", 0.0)
    eager, conf.task_always_eager = conf.task_always_eager, False
    yield published
    conf.task_always_eager = eager


def test_a_burst_of_notifications_publishes_one_delayed_batch_per_window(fake_broker, monkeypatch):
    for pk in (1, 2, 3):
        assert notifications.notification_email_enqueue(pk)
    assert [(name, kw["countdown"]) for name, kw in fake_broker] == [
        (tasks.send_notification_emails.name, notifications.EMAIL_BATCH_DELAY)
    ]
    # the batch is told the window's end: what the window's commits wrote, and nothing later
    until = datetime.fromisoformat(fake_broker[0][1]["args"][0])
    assert timedelta(0) < until - timezone.now() <= timedelta(seconds=notifications.EMAIL_BATCH_WINDOW)
    assert notifications.EMAIL_BATCH_DELAY > notifications.EMAIL_BATCH_WINDOW  # runs after the window's commits
    monkeypatch.setattr(notifications, "_batch_window_ends", 0.0)  # the window has passed
    assert notifications.notification_email_enqueue(4)
    assert len(fake_broker) == 2


def test_a_batch_the_broker_refused_is_tried_again_by_the_next_notification(fake_broker, monkeypatch):
    def refuse(*args, **kwargs):
        raise KombuOperationalError("Connection refused.")

    monkeypatch.setattr(tasks.send_notification_emails, "apply_async", refuse)
    assert not notifications.notification_email_enqueue(1)  # logged; the sweep sends it later
    monkeypatch.setattr(tasks.send_notification_emails, "apply_async", lambda args, **kw: fake_broker.append(kw))
    assert notifications.notification_email_enqueue(2) and len(fake_broker) == 1


def test_the_inbox_shows_each_notification_in_the_readers_language_and_the_email_in_chinese(client, enterprise_user):
    # A notification keeps its kind and parameters: the inbox writes it in the language of the page, while the
    # stored message (and the e-mail) stay in the portal's official language. Rows written before kinds existed
    # show their stored message, marked with its own language.
    application = submitted(enterprise_user)
    reviewer = make_user(Role.DISTRICT_REVIEWER, district=district("wuxing"))
    with translation.override("en"):  # the reviewer works in English: the stored message is Chinese all the same
        application_return(
            application=application, by=reviewer, items=[{"field": "", "note": "推荐表未盖章"}],
            deadline=timezone.localdate() + timedelta(days=7),
        )  # fmt: skip
    returned = Notification.objects.get(application=application, kind="district_return")
    assert returned.params == {"number": application.number, "reason": "推荐表未盖章"}
    assert returned.message == f"申报 {application.number} 被退回补正：推荐表未盖章"
    Notification.objects.create(organisation=enterprise_user.organisation, message="旧消息")

    login(client, enterprise_user)
    chinese = client.get(reverse("enterprise-home")).content.decode()
    assert f"申报 {application.number} 被退回补正：推荐表未盖章" in chinese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("enterprise-home")).content.decode()
    assert f"{application.number}" in english and f"申报 {application.number} 被退回补正" not in english
    assert "推荐表未盖章" in english  # the reviewer's reason stays as written
    assert '<span lang="zh-Hans">旧消息</span>' in english

    # and so is the e-mail
    email = notifications.notification_email(returned, ["hr@example.com"])
    assert email.body.startswith(f"申报 {application.number} 被退回补正：推荐表未盖章")
