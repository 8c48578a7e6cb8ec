"""Celery tasks of the approval documents: thin wrappers that re-fetch by id and call a service.

All are idempotent and acknowledged late: a worker killed midway leaves the message to be delivered again (and
the database row pending, which the periodic sweep re-sends), and a second run finds the work done.
"""

import logging
from datetime import timedelta

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from . import services
from .models import Document

logger = logging.getLogger(__name__)

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # Nobody waits for a result; without a result backend, publishing fails fast when Redis is down.
    "ignore_result": True,
}


class DocumentGenerationTask(DjangoTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted, or an error retrying cannot fix: say so on the document (the sweep leaves it alone)."""
        document_id = args[0] if args else kwargs.get("document_id")
        services.document_mark_failed(document_id, f"{type(exc).__name__}: {exc}")


@shared_task(
    name="subsidies.documents.tasks.generate",
    base=DocumentGenerationTask,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
    **RELIABLE,
)
def document_generate(document_id: int) -> None:
    """Render one document's PDF (nothing to do if it is already ready or was revoked)."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        logger.warning("Document %s no longer exists; nothing to generate", document_id)
        return
    try:
        services.document_generate_now(document)
    except services.TRANSIENT_ERRORS:
        raise  # retried with backoff; on_failure records it once the retries run out
    except Exception as error:
        # Retrying cannot fix it. Recorded here as well as in on_failure, which eager mode does not call.
        services.document_mark_failed(document_id, f"{type(error).__name__}: {error}")
        raise


@shared_task(name="subsidies.documents.tasks.sweep", time_limit=300, soft_time_limit=270, **RELIABLE)
def documents_sweep(older_than_seconds: int | None = None) -> int:
    """Re-send documents and regeneration jobs waiting too long (the beat schedule runs this every few minutes)."""
    if older_than_seconds is None:
        return services.documents_sweep()
    return services.documents_sweep(older_than=timedelta(seconds=older_than_seconds))


@shared_task(
    name="subsidies.documents.tasks.regenerate_batch",
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
    # A whole batch: hundreds of documents at well under a second each.
    soft_time_limit=3600,
    time_limit=3660,
    **RELIABLE,
)
def regenerate_batch(job_id: int) -> None:
    """Work through one regeneration job, recording progress on its row."""
    services.regeneration_job_run(job_id)
