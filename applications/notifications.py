"""Notifications to an organisation: written with the change they report, e-mailed by a worker after it commits.

The row is the record: it is in the portal inbox at once, and ``emailed_at`` stays empty until a worker has sent
the e-mail. If the broker was down at the commit (or the message was lost with it), the periodic sweep sends it again.
"""

import logging
import threading
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huzhou_craftsman.background import publish

from .models import Application, Notification
from .workflow import Action

logger = logging.getLogger(__name__)

# A notification not e-mailed this long after it was written is sent to the workers again.
EMAIL_SWEEP_AFTER = timedelta(minutes=10)
# Older ones stay in the portal inbox only. Without a record of attempts, this also bounds how often the sweep
# retries an e-mail the mail server keeps refusing.
EMAIL_SWEEP_WITHIN = timedelta(days=2)
SWEEP_BATCH = 500
# A burst of notifications (the deadline rush: a thousand submissions within minutes, issue 18) is e-mailed by one
# task for each window of EMAIL_BATCH_WINDOW seconds of a web process, run EMAIL_BATCH_DELAY seconds after the window
# opened, instead of one task each. The task sends what was written up to the window's end: those notifications have
# all committed by then (their callbacks run after the commit), up to a clock difference of DELAY - WINDOW seconds
# between the web and worker machines; a notification a batch missed is sent by a later batch, or by the sweep.
EMAIL_BATCH_WINDOW = 1.0
EMAIL_BATCH_DELAY = 3.0
EMAIL_BATCH_LIMIT = 500
_batch_lock = threading.Lock()
_batch_window_ends = 0.0


# What the organisation is told, by kind: after each move of the workflow (its action's code), and when official
# lists offer it awards. A notification keeps its kind and parameters, so that the inbox shows it in the reader's
# language; its ``message`` is the text in the portal's official language, as e-mailed.
OFFERS_WAITING = "offers_waiting"
TEXTS = {
    Action.SUBMIT: gettext_lazy("申报 %(number)s 已提交，等待区县审核。"),
    Action.RESUBMIT: gettext_lazy("申报 %(number)s 已补正并重新提交。"),
    Action.WITHDRAW: gettext_lazy("申报 %(number)s 已撤回。"),
    Action.DISTRICT_PASS: gettext_lazy("申报 %(number)s 已通过区县初审，进入市级复审。"),
    Action.DISTRICT_RETURN: gettext_lazy("申报 %(number)s 被退回补正：%(reason)s"),
    Action.DISTRICT_REJECT: gettext_lazy("申报 %(number)s 未通过区县初审：%(reason)s"),
    Action.CITY_PASS: gettext_lazy("申报 %(number)s 已通过市级复审，等待审批。"),
    Action.CITY_RETURN: gettext_lazy("申报 %(number)s 被退回补正：%(reason)s"),
    Action.CITY_REJECT: gettext_lazy("申报 %(number)s 未通过市级复审：%(reason)s"),
    Action.APPROVE: gettext_lazy("申报 %(number)s 已通过市级审批，将进行公示。"),
    Action.APPROVAL_REJECT: gettext_lazy("申报 %(number)s 未获批准：%(reason)s"),
    Action.OPEN_NOTICE: gettext_lazy("申报 %(number)s 正在公示。"),
    Action.OBJECT: gettext_lazy("申报 %(number)s 在公示期间收到异议，退回市级复审。"),
    Action.CLOSE_NOTICE: gettext_lazy("申报 %(number)s 公示期满，已批准。"),
    Action.CONFIRM: gettext_lazy("资助 %(number)s 已确认领取，等待区县核对。"),
    Action.DECLINE: gettext_lazy("资助 %(number)s 已放弃领取。"),
    Action.LIST_CHECK_PASS: gettext_lazy("资助 %(number)s 已通过区县核对，等待市级审批。"),
    Action.LIST_CHECK_REJECT: gettext_lazy("资助 %(number)s 未通过区县核对：%(reason)s"),
    Action.LIST_CHECK_RETURN: gettext_lazy("资助 %(number)s 被区县退回更正：%(reason)s。请更正后重新确认领取。"),
    OFFERS_WAITING: gettext_lazy("您有 %(n)s 项免申即享资助待确认，请在首页“待确认资助”中核对并确认。"),
}


def notification_text(kind: str, params: dict, language: str | None = None) -> str:
    """The text of a notification of this kind, in ``language`` (default: the active one)."""
    with translation.override(language or translation.get_language()):
        return str(TEXTS[kind]) % params


def notification_row(*, organisation_id: int, kind: str, params: dict, application=None) -> Notification:
    """An unsaved notification: its kind and parameters, and its text in the portal's official language."""
    message = notification_text(kind, params, settings.LANGUAGE_CODE)
    return Notification(
        organisation_id=organisation_id, application=application, kind=kind, params=params, message=message[:500]
    )


def notification_create(*, application: Application, kind: str, params: dict) -> Notification:
    """Write a notification for the application's organisation; e-mail it once the caller's transaction commits."""
    notification = notification_row(
        organisation_id=application.organisation_id, application=application, kind=kind, params=params
    )
    notification.save()
    # Our own on-commit callback rather than ``delay_on_commit``, whose broker errors would escape into the view
    # after the decision had committed.
    transaction.on_commit(partial(notification_email_enqueue, notification.pk))
    return notification


def notification_email_enqueue(notification_id: int) -> bool:
    """Have a notification e-mailed by the workers: by the batch of this process's current window (published when
    the window opens), or alone when tasks run in-process (embedded mode). If the broker is down, log it (the sweep
    sends it later)."""
    from .tasks import send_notification_email, send_notification_emails

    if send_notification_email.app.conf.task_always_eager:
        return publish(send_notification_email, notification_id)
    global _batch_window_ends
    with _batch_lock:
        now = time.monotonic()
        if now < _batch_window_ends:
            return True  # the window's batch, published already, runs after this commit and sends it
        _batch_window_ends = now + EMAIL_BATCH_WINDOW
    until = timezone.now() + timedelta(seconds=EMAIL_BATCH_WINDOW)  # written before its callback ran: in the window
    if publish(send_notification_emails, until.isoformat(), countdown=EMAIL_BATCH_DELAY):
        return True
    with _batch_lock:
        _batch_window_ends = 0.0  # not published: the next notification tries again (the sweep sends these)
    return False


def notification_email(notification: Notification, recipients: list[str]) -> EmailMessage:
    """The e-mail of a notification (one for the organisation's users)."""
    return EmailMessage(
        subject=_("【湖州工匠资助平台】申报进度通知"),
        body=notification.message + "\n\n" + _("详情请登录湖州工匠培育工程资助申报平台查看。"),
        to=recipients,
    )


def notifications_email_batch(*, until=None, limit: int = EMAIL_BATCH_LIMIT) -> int:
    """E-mail every notification not e-mailed yet written up to ``until`` (a batch's window end; default now) and
    within EMAIL_SWEEP_AFTER before it (older ones are the sweep's), over one mail connection; return how many
    e-mails went out.

    Each is sent once: the rows are locked (a concurrent batch skips them) and marked ``emailed_at`` in the same
    transaction. If the mail server fails midway, those sent are marked and the error is raised (the task retries
    the rest).
    """
    from huzhou_craftsman.accounts.models import User

    failure, sent, mailed, now = None, [], 0, timezone.now()
    until = until or now
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(emailed_at__isnull=True, created_at__lte=until, created_at__gte=until - EMAIL_SWEEP_AFTER)
            .only("pk", "organisation_id", "message")
            .order_by("pk")[:limit]
        )
        if not due:
            return 0
        recipients = {}
        users = User.objects.filter(organisation_id__in={n.organisation_id for n in due}, is_active=True)
        for organisation_id, email in users.exclude(email="").order_by("pk").values_list("organisation_id", "email"):
            recipients.setdefault(organisation_id, []).append(email)
        with get_connection() as connection:
            for notification in due:
                if notification.organisation_id in recipients:
                    message = notification_email(notification, recipients[notification.organisation_id])
                    message.connection = connection
                    try:
                        message.send()
                    except OSError as error:
                        failure = error
                        break
                    mailed += 1
                sent.append(notification.pk)  # or nobody to write to: done, as the single task does
        Notification.objects.filter(pk__in=sent).update(emailed_at=now)
    if failure is not None:
        raise failure
    if len(due) == limit:  # more are waiting: the next batch at once
        from .tasks import send_notification_emails

        publish(send_notification_emails, until.isoformat())
    return mailed


def notifications_sweep(*, older_than: timedelta = EMAIL_SWEEP_AFTER) -> int:
    """Send the e-mails of notifications still not e-mailed after ``older_than``; return how many were sent."""
    now = timezone.now()
    unsent = Notification.objects.filter(
        emailed_at__isnull=True, created_at__lte=now - older_than, created_at__gte=now - EMAIL_SWEEP_WITHIN
    )
    sent = 0
    from .tasks import send_notification_email

    for pk in unsent.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]:
        if not publish(send_notification_email, pk):
            break  # the broker is still down: try again at the next sweep
        sent += 1
    if sent:
        logger.info("Notification sweep re-sent %s e-mail(s)", sent)
    return sent
