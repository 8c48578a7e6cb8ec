"""Background tasks of the intake and review workflow."""

from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import notifications
from .models import Notification


@shared_task(
    name="applications.tasks.send_notification_email",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
    # Nobody reads the result. With a Redis result backend, publishing a task that keeps its result first
    # subscribes to the result, and an unreachable Redis then holds the caller for some 20 s of reconnecting.
    ignore_result=True,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail a notification to the organisation's users once; return whether a mail went out."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("organisation").filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        recipients = [u.email for u in notification.organisation.users.filter(is_active=True) if u.email]
        if recipients:
            notifications.notification_email(notification, recipients).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return bool(recipients)


@shared_task(
    name="applications.tasks.send_notification_emails",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=270,
    ignore_result=True,
)
def send_notification_emails(until: str | None = None) -> int:
    """E-mail the notifications not e-mailed yet written up to ``until`` (ISO 8601, a window's end), in one go (a
    burst's batch: notifications.py)."""
    return notifications.notifications_email_batch(until=datetime.fromisoformat(until) if until else None)


@shared_task(
    name="applications.tasks.notifications_sweep",
    acks_late=True,
    ignore_result=True,
    time_limit=300,
    soft_time_limit=270,
)
def notifications_sweep(older_than_seconds: int | None = None) -> int:
    """Re-send e-mails of notifications left unsent by a broker outage (the beat schedule runs this)."""
    if older_than_seconds is None:
        return notifications.notifications_sweep()
    return notifications.notifications_sweep(older_than=timedelta(seconds=older_than_seconds))
