"""Writes of the approval documents: numbering, requests, generation, revocation, re-issue, sweep and regeneration.

Generation is idempotent: a document row is rendered under its row lock and only while pending (or failed), and
``(award, kind, version)`` is unique, so however often a task runs, each award ends with one document per version.
"""

import hashlib
import logging
import secrets
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseOperationalError
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import PublicNotice
from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record
from huzhou_craftsman.background import publish
from subsidies.models import Award

from . import render, signing
from .models import Document, DocumentSequence, RegenerationJob, document_path

logger = logging.getLogger(__name__)

# A document still pending this long after its request (or its last re-send) is sent to the workers again.
PENDING_SWEEP_AFTER = timedelta(minutes=10)
# After this many started renders without success the sweep stops re-sending and marks the document failed.
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500
# Worth retrying later: the database or the disk was briefly unavailable. Anything else is a bug to fix.
TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, OSError)


def series_code(series: str) -> str:
    """The 发文机关代字 of a series, from the settings (湖人社补 for the letters, 湖人社发 for the notices)."""
    if series == DocumentSequence.Series.NOTICE:
        return settings.DOCUMENT_NOTICE_CODE
    return settings.DOCUMENT_LETTER_CODE


def format_number(year: int, serial: int, *, series: str = DocumentSequence.Series.AWARD) -> str:
    """湖人社补〔2026〕1号: GB/T 9704-2012 7.2.4, the year in 六角括号 and the serial without 虚位 (no leading 0)."""
    return f"{series_code(series)}〔{year}〕{serial}号"


def series_of(kind: str) -> str:
    return DocumentSequence.Series.NOTICE if kind == Document.Kind.ROUND_NOTICE else DocumentSequence.Series.AWARD


def number_allocate(*, year: int, series: str = DocumentSequence.Series.AWARD) -> tuple[int, str]:
    """Take the next number of a year inside the caller's transaction: a rollback gives it back, so there is no gap."""
    # INSERT … ON CONFLICT DO NOTHING: the first request of a year creates the row without racing another.
    DocumentSequence.objects.bulk_create([DocumentSequence(series=series, year=year)], ignore_conflicts=True)
    sequence = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, format_number(year, sequence.last_number, series=series)


# --- Sending work to the workers ----------------------------------------------------------------------------------


def document_enqueue(document_id: int) -> bool:
    """Send a document's generation to the workers; if the broker is down, log it and leave the row pending."""
    from . import tasks

    return publish(tasks.document_generate, document_id)


def job_enqueue(job_id: int) -> bool:
    """Send a regeneration job to the workers; if the broker is down, the sweep sends it later."""
    from . import tasks

    return publish(tasks.regenerate_batch, job_id)


# --- Requests -------------------------------------------------------------------------------------------------------


@transaction.atomic
def document_request(
    *,
    award: Award | None = None,
    notice: PublicNotice | None = None,
    kind: str = Document.Kind.LETTER,
    reason: str = "",
    by: User | None = None,
    supersedes: Document | None = None,
    enqueue: bool = True,
) -> Document:
    """Number the next version of an award's document and have a worker render it once the transaction commits.

    ``transaction.on_commit`` with our own callback rather than ``delay_on_commit``: Celery's would raise out of
    the committing view when the broker is down, after the approval had already committed.
    """
    if award is not None:
        Award.objects.select_for_update().filter(pk=award.pk).first()
        siblings = Document.objects.filter(award=award, kind=kind)
    else:
        PublicNotice.objects.select_for_update().filter(pk=notice.pk).first()
        siblings = Document.objects.filter(notice=notice, kind=kind)
    version = (siblings.aggregate(v=Max("version"))["v"] or 0) + 1
    year = timezone.localdate().year
    serial, number = number_allocate(year=year, series=series_of(kind))
    document = Document.objects.create(
        award=award,
        notice=notice,
        kind=kind,
        version=version,
        year=year,
        serial=serial,
        number=number,
        token=secrets.token_urlsafe(24),
        supersedes=supersedes,
        reason=reason,
        requested_by=by,
    )
    audit_record(
        action="document.request",
        actor=by,
        actor_name="" if by else "system",
        target=document,
        to_state=Document.State.PENDING,
        reason=reason,
        data={
            "award": award.pk if award else None,
            "notice": notice.pk if notice else None,
            "number": number,
            "kind": kind,
            "version": version,
        },
    )
    if enqueue:
        transaction.on_commit(partial(document_enqueue, document.pk))
    return document


def _kinds_for(award: Award) -> list[str]:
    kinds = [Document.Kind.LETTER]
    if award.state == Award.State.ACTIVE and award.instalments.count() >= 2:
        kinds.append(Document.Kind.SCHEDULE)
    return kinds


@transaction.atomic
def award_documents_request(award: Award, *, by: User | None = None) -> list[Document]:
    """Request the letter, and the schedule when the award is paid in two or more instalments; call on approval.

    Idempotent: a kind that already has a current (not revoked) document is not requested again.
    """
    award = Award.objects.select_for_update().get(pk=award.pk)
    documents = []
    for kind in _kinds_for(award):
        current = Document.objects.filter(award=award, kind=kind).exclude(state=Document.State.REVOKED).first()
        documents.append(current or document_request(award=award, kind=kind, by=by))
    return documents


@transaction.atomic
def notice_document_request(*, notice: PublicNotice, by: User | None = None) -> Document:
    """Request the round's official notice (通知) listing the awards of a closed public notice; call on closing.

    Idempotent: a notice with a current (not revoked) 通知 keeps it.
    """
    notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.closed_at is None:
        raise ValidationError(_("公示尚未结束，不能印发资助名单通知。"))
    current = Document.objects.filter(notice=notice, kind=Document.Kind.ROUND_NOTICE).exclude(
        state=Document.State.REVOKED
    )
    return current.first() or document_request(notice=notice, kind=Document.Kind.ROUND_NOTICE, by=by)


# --- Generation -----------------------------------------------------------------------------------------------------


def document_generate_now(document: Document) -> Document:
    """Render and store a pending (or failed) document under its row lock; a ready or revoked one is left alone."""
    # Counted outside the render's transaction, so a render killed midway still counts as an attempt.
    Document.objects.filter(pk=document.pk, state__in=[Document.State.PENDING, Document.State.FAILED]).update(
        attempts=F("attempts") + 1
    )
    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("award__organisation", "award__person")
            .get(pk=document.pk)
        )
        if document.state not in (Document.State.PENDING, Document.State.FAILED):
            return document
        pdf, anchor = render.document_pdf(document)
        # While signing is on nothing leaves unsigned: a SigningError fails the document with what to fix.
        signer = signing.configured_signer()
        signed = None
        if signer is not None:
            if anchor is None:
                raise render.DocumentRenderError("the template has no #seal element: the seal has nowhere to go")
            signed = signer.sign(
                pdf, placement=signing.seal_over(anchor), reason=document.get_kind_display(), number=document.number
            )
            pdf = signed.data
        storage = document.file.storage
        name = document_path(document, "")
        if storage.exists(name):  # left by a render that died before its commit
            storage.delete(name)
        document.file.name = storage.save(name, ContentFile(pdf))
        previous = document.state
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.size = len(pdf)
        document.state = Document.State.READY
        document.generated_at = timezone.now()
        document.last_error = ""
        document.signer = signed.signer if signed else ""
        document.signed_at = document.generated_at if signed else None
        document.save(
            update_fields=["file", "sha256", "size", "state", "generated_at", "last_error", "signer", "signed_at"]
        )
        audit_record(
            action="document.generate",
            actor_name="system",
            target=document,
            from_state=previous,
            to_state=document.state,
            data={
                "number": document.number,
                "sha256": document.sha256,
                "size": document.size,
                "signer": document.signer,
            },
        )
    return document


def document_mark_failed(document_id: int, error: str) -> None:
    """Record that a document's generation gave up (retries exhausted, or an error that retrying cannot fix)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id, state=Document.State.PENDING).first()
        if document is None:
            return
        document.state = Document.State.FAILED
        document.last_error = error[:2000]
        document.save(update_fields=["state", "last_error"])
        audit_record(
            action="document.fail",
            actor_name="system",
            target=document,
            from_state=Document.State.PENDING,
            to_state=Document.State.FAILED,
            reason=document.last_error,
        )


def documents_sweep(*, older_than: timedelta = PENDING_SWEEP_AFTER) -> int:
    """Re-send documents (and regeneration jobs) waiting longer than ``older_than``; return how many were sent.

    This is what makes an approval during a broker outage, or a worker killed mid-render, end in a document.
    """
    cutoff = timezone.now() - older_than
    stale = Document.objects.filter(state=Document.State.PENDING, requested_at__lte=cutoff).filter(
        Q(last_swept_at__isnull=True) | Q(last_swept_at__lte=cutoff)
    )
    for document in stale.filter(attempts__gte=MAX_ATTEMPTS):
        document_mark_failed(document.pk, _("已尝试生成 %(n)s 次仍未成功，需人工处理。") % {"n": document.attempts})
    sent = 0
    for pk in stale.filter(attempts__lt=MAX_ATTEMPTS).order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]:
        if not document_enqueue(pk):
            break  # the broker is still down: try again at the next sweep
        Document.objects.filter(pk=pk).update(last_swept_at=timezone.now())
        sent += 1
    stalled_jobs = RegenerationJob.objects.exclude(state=RegenerationJob.State.DONE).filter(updated_at__lte=cutoff)
    for job_id in stalled_jobs.values_list("pk", flat=True):
        if not job_enqueue(job_id):
            break
        RegenerationJob.objects.filter(pk=job_id).update(updated_at=timezone.now())
        sent += 1
    if sent:
        logger.info("Document sweep re-sent %s task(s)", sent)
    return sent


# --- Revocation and re-issue ---------------------------------------------------------------------------------------


def _revoke(document: Document, *, reason: str, by: User | None, request=None) -> None:
    previous = document.state
    document.state = Document.State.REVOKED
    document.revoked_at = timezone.now()
    document.revoke_reason = reason
    document.save(update_fields=["state", "revoked_at", "revoke_reason"])
    audit_record(
        action="document.revoke",
        actor=by,
        actor_name="" if by else "system",
        target=document,
        request=request,
        from_state=previous,
        to_state=document.state,
        reason=reason,
        data={"number": document.number},
    )


def _reissue(
    award: Award, *, reason: str, by: User | None, request=None, kinds=None, enqueue: bool = True
) -> list[Document]:
    """Revoke the current documents of a (locked) award, of ``kinds`` or all; issue what it needs now as new versions."""
    current = {}
    documents = Document.objects.select_for_update().filter(award=award).exclude(state=Document.State.REVOKED)
    for document in documents.filter(kind__in=kinds) if kinds else documents:
        _revoke(document, reason=reason, by=by, request=request)
        current[document.kind] = document
    return [
        document_request(award=award, kind=kind, reason=reason, by=by, supersedes=current.get(kind), enqueue=enqueue)
        for kind in _kinds_for(award)
        if not kinds or kind in kinds
    ]


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写作废或重新出具的原因。"))
    return reason


@transaction.atomic
def document_reissue(*, award: Award, reason: str, by: User | None, request=None) -> list[Document]:
    """Issue corrected documents of an award as new versions; the old ones stay, marked revoked, on their pages."""
    reason = _require_reason(reason)
    award = Award.objects.select_for_update().get(pk=award.pk)
    return _reissue(award, reason=reason, by=by, request=request)


@transaction.atomic
def award_documents_revoke(*, award: Award, reason: str, by: User | None, request=None) -> list[Document]:
    """After an award is revoked: mark its documents revoked and issue the revocation notice as the letter's next version.

    Call it in the transaction that revokes the award (which sets ``Award.state``).
    """
    reason = _require_reason(reason)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.state != Award.State.REVOKED:
        raise ValidationError(_("该资助尚未撤销，不能出具撤销通知。"))
    return _reissue(award, reason=reason, by=by, request=request)


# --- Batch regeneration ---------------------------------------------------------------------------------------------


def regeneration_candidates(*, year: int, kind: str = ""):
    documents = Document.objects.filter(year=year).exclude(state=Document.State.REVOKED)
    return documents.filter(kind=kind) if kind else documents


@transaction.atomic
def documents_regenerate(*, year: int, kind: str = "", reason: str, by: User, request=None) -> RegenerationJob:
    """Start a job re-issuing every current document of a year (e.g. after the issuing office was renamed)."""
    require(by, "document.regenerate")
    reason = _require_reason(reason)
    ids = list(regeneration_candidates(year=year, kind=kind).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("%(year)s 年度没有可重新生成的文书。") % {"year": year})
    job = RegenerationJob.objects.create(
        year=year, kind=kind, reason=reason, document_ids=ids, total=len(ids), created_by=by
    )
    audit_record(
        action="documents.regenerate",
        actor=by,
        target=job,
        request=request,
        to_state=job.state,
        reason=reason,
        data={"year": year, "kind": kind, "total": len(ids)},
    )
    transaction.on_commit(partial(job_enqueue, job.pk))
    return job


def _regenerate_one(document_id: int, job: RegenerationJob) -> None:
    document = Document.objects.select_related("award", "notice").get(pk=document_id)
    if document.state == Document.State.REVOKED:
        # Re-issued by an earlier run of this job (or revoked since): finish its successor if it is still pending.
        successor = Document.objects.filter(supersedes=document).first()
        if successor is not None:
            document_generate_now(successor)
        return
    if document.state != Document.State.READY:
        document_generate_now(document)  # never issued: render it in place, under its own number
        return
    if document.notice_id is not None:
        _revoke(document, reason=job.reason, by=job.created_by)
        new = document_request(
            notice=document.notice,
            kind=document.kind,
            reason=job.reason,
            by=job.created_by,
            supersedes=document,
            enqueue=False,
        )
        document_generate_now(new)
        return
    award = Award.objects.select_for_update().get(pk=document.award_id)
    for new in _reissue(award, reason=job.reason, by=job.created_by, kinds=[document.kind], enqueue=False):
        document_generate_now(new)


def regeneration_job_run(job_id: int) -> RegenerationJob:
    """Work through a job one document per transaction; a rerun (or a second worker) resumes where it stopped."""
    RegenerationJob.objects.filter(pk=job_id, state=RegenerationJob.State.QUEUED).update(
        state=RegenerationJob.State.RUNNING, started_at=timezone.now()
    )
    while True:
        with transaction.atomic():
            job = RegenerationJob.objects.select_for_update().get(pk=job_id)
            if job.done >= job.total:
                if job.state != RegenerationJob.State.DONE:
                    job.state = RegenerationJob.State.DONE
                    job.finished_at = timezone.now()
                    job.save(update_fields=["state", "finished_at", "updated_at"])
                return job
            try:
                with transaction.atomic():
                    _regenerate_one(job.document_ids[job.done], job)
            except (*TRANSIENT_ERRORS, SoftTimeLimitExceeded):
                raise  # the task retries the whole job later; it resumes at this document
            except Exception as error:
                # One broken document must not stop the batch; it is counted, logged and left for a person.
                logger.exception("Regeneration job %s: document %s failed", job.pk, job.document_ids[job.done])
                job.failed += 1
                job.last_error = str(error)[:2000]
            job.done += 1
            job.save(update_fields=["done", "failed", "last_error", "updated_at"])


# --- Reading ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def document_download_record(*, document: Document, by: User, request=None) -> None:
    """Write the audit event of one download (every download of a document is recorded)."""
    audit_record(
        action="document.download",
        actor=by,
        target=document,
        request=request,
        data={"number": document.number, "sha256": document.sha256, "state": document.state},
    )


def invitation_letter_download_record(*, uscc: str, rows: list, pdf: bytes, by: User, request=None) -> None:
    """Write the audit event of one download of an invitation letter (免申即享): to whom, how many rows, which file."""
    audit_record(
        action="official_list.letter_download", actor=by, request=request,
        data={"uscc": uscc, "organisation": rows[0].organisation_name, "rows": len(rows),
              "official_lists": sorted({row.official_list_id for row in rows}), "sha256": sha256_of_bytes(pdf)},
    )  # fmt: skip


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_upload(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()
