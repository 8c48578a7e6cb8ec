"""Background tasks of the money side."""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications.models import PublicNotice

from .services import notice_close

logger = logging.getLogger(__name__)


@shared_task(
    name="subsidies.tasks.close_due_notices",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=600,
    soft_time_limit=540,
)
def close_due_notices() -> int:
    """Close every open notice whose last day has passed, each in its own transaction; return how many closed.

    Idempotent: a notice closed meanwhile (by the approver's button or an overlapping run) is refused under its
    row lock and skipped, and the next hourly run picks up whatever a failure left open.
    """
    today = timezone.localdate()
    due = PublicNotice.objects.filter(closed_at__isnull=True, ends_on__lt=today).order_by("ends_on", "pk")
    closed = 0
    for notice in due:
        try:
            notice_close(notice=notice, by=None)
        except ValidationError as error:
            # Already closed by someone else, or an application the rules cannot price: needs a person.
            logger.warning("Notice %s not closed: %s", notice.pk, "; ".join(error.messages))
        except Exception:
            # One broken notice must not keep the others open; the error is logged and retried next hour.
            logger.exception("Notice %s could not be closed", notice.pk)
        else:
            closed += 1
    return closed


@shared_task(
    name="subsidies.tasks.export_batch_file",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=1800,
    soft_time_limit=1700,
    # The page looks for the file on disk, not for the result. Keeping one would make publishing subscribe to it
    # first, and an unreachable Redis result backend then holds the request for some 20 s before it fails.
    ignore_result=True,
)
def export_batch_file(batch_id: int, file_format: str, layout: str = "transfer") -> str:
    """Write a large batch's bank file to disk (idempotent: an existing file is kept); return its path."""
    from .bank_files import LAYOUTS, export_path, export_write
    from .models import PaymentBatch

    batch = PaymentBatch.objects.get(pk=batch_id)
    target = export_path(batch, LAYOUTS[layout], file_format)
    if not target.exists():
        export_write(batch, LAYOUTS[layout], file_format)
    return str(target)
