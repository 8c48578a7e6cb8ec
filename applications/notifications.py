"""Notifications to an organisation: written with the change they report, e-mailed by a worker after it commits.

The row is the record: it is in the portal inbox at once, and ``emailed_at`` stays empty until a worker has sent
the e-mail. If the broker was down at the commit (or the message was lost with it), the periodic sweep sends it again.
"""

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from huzhou_craftsman.background import publish

from .models import Application, Notification

logger = logging.getLogger(__name__)

# A notification not e-mailed this long after it was written is sent to the workers again.
EMAIL_SWEEP_AFTER = timedelta(minutes=10)
# Older ones stay in the portal inbox only. Without a record of attempts, this also bounds how often the sweep
# retries an e-mail the mail server keeps refusing.
EMAIL_SWEEP_WITHIN = timedelta(days=2)
SWEEP_BATCH = 500


def notification_create(*, application: Application, message: str) -> Notification:
    """Write a notification for the application's organisation; e-mail it once the caller's transaction commits."""
    notification = Notification.objects.create(
        organisation_id=application.organisation_id, application=application, message=message[:500]
    )
    # Our own on-commit callback rather than ``delay_on_commit``, whose broker errors would escape into the view
    # after the decision had committed.
    transaction.on_commit(partial(notification_email_enqueue, notification.pk))
    return notification


def notification_email_enqueue(notification_id: int) -> bool:
    """Send a notification's e-mail to the workers; if the broker is down, log it (the sweep sends it later)."""
    from .tasks import send_notification_email

    return publish(send_notification_email, notification_id)


def notifications_sweep(*, older_than: timedelta = EMAIL_SWEEP_AFTER) -> int:
    """Send the e-mails of notifications still not e-mailed after ``older_than``; return how many were sent."""
    now = timezone.now()
    unsent = Notification.objects.filter(
        emailed_at__isnull=True, created_at__lte=now - older_than, created_at__gte=now - EMAIL_SWEEP_WITHIN
    )
    sent = 0
    for pk in unsent.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]:
        if not notification_email_enqueue(pk):
            break  # the broker is still down: try again at the next sweep
        sent += 1
    if sent:
        logger.info("Notification sweep re-sent %s e-mail(s)", sent)
    return sent
