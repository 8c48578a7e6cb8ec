"""Approval documents made by a real Celery worker over the real Redis, against the test database: the happy path,
an approval while the broker is unreachable, and a worker killed in the middle of a render.

Each ends with exactly one ready document per award, kind and version, whose file hashes to what the row and the
public verification page say.
"""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.db import transaction
from django.urls import reverse

from applications import notices
from huzhou_craftsman.accounts.roles import Role
from subsidies import services as subsidies_services
from subsidies.documents import services, tasks
from subsidies.documents.models import Document
from tests.applications.test_notices import craftsman_awaiting
from tests.factories import make_user
from tests.integration.conftest import ROOT, celery_worker, worker_database_url
from tests.subsidies.test_documents import file_bytes, make_award, pdf_text

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("reference_data")]

UNREACHABLE_BROKER = "redis://127.0.0.1:6390/0"


def wait_for(condition, *, what: str, worker=None, log=None, timeout: float = 60) -> None:
    """Poll the database (the worker commits in its own process) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{log.read_text() if log else ''}")
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}:\n{log.read_text() if log else ''}")


def assert_one_ready_document_each(awards, kinds=("letter",)) -> list[Document]:
    documents = []
    for award in awards:
        for kind in kinds:
            rows = list(Document.objects.filter(award=award, kind=kind))
            assert len(rows) == 1, f"award {award.pk} has {len(rows)} {kind} documents"
            (document,) = rows
            assert (document.state, document.version) == (Document.State.READY, 1)
            assert hashlib.sha256(file_bytes(document)).hexdigest() == document.sha256
            documents.append(document)
    return documents


def test_an_approval_gets_its_letter_and_schedule_from_a_real_worker(celery_worker_process, client, tmp_path):
    # given: a grand craftsman application taken through review and the public notice
    enterprise = make_user(Role.ENTERPRISE)
    application = craftsman_awaiting(enterprise, seq=61, level="grand", person_name="李大工")
    notice = notices.notice_open(applications=[application], title="2026年度第一批", by=make_user(Role.CITY_APPROVER))

    # when: the approval commits (the documents are sent to Redis at the commit)
    with transaction.atomic():
        (award,) = subsidies_services.notice_close(notice=notice, by=None)
        requested = services.award_documents_request(award)
    assert {d.state for d in requested} == {Document.State.PENDING}

    # then
    wait_for(
        lambda: Document.objects.filter(award=award, state=Document.State.READY).count() == 2,
        what="the letter and the schedule",
        worker=celery_worker_process,
        log=tmp_path / "worker.log",
    )
    letter, schedule = assert_one_ready_document_each([award], kinds=("letter", "schedule"))
    text = pdf_text(file_bytes(letter))
    assert letter.number in text and "李大工" in text and enterprise.organisation.name in text
    assert "200,000.00" in text and "人民币贰拾万元整" in text
    assert "100,000.00人民币壹拾万元整" in text and "第2期" in text
    assert schedule.number in pdf_text(file_bytes(schedule))

    page = client.get(reverse("document-verify", args=[letter.token])).content.decode()
    assert hashlib.sha256(file_bytes(letter)).hexdigest() in page
    assert letter.number in page and "有效" in page


def test_an_approval_while_the_broker_is_down_commits_and_the_sweep_produces_the_documents(
    celery_worker_process, tmp_path
):
    award = make_award()
    # The approving process is pointed at a broker nobody listens on (the machine's Redis keeps running).
    approval = textwrap.dedent(
        f"""
        from django.db import transaction
        from subsidies.documents.services import award_documents_request
        from subsidies.models import Award
        with transaction.atomic():
            documents = award_documents_request(Award.objects.get(pk={award.pk}))
        print("COMMITTED", ",".join(str(d.pk) for d in documents))
        """
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", approval],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": UNREACHABLE_BROKER},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "COMMITTED" in result.stdout and "Broker unreachable" in result.stderr
    assert time.monotonic() - started < 30  # publishing gave up quickly instead of hanging the approval

    documents = list(Document.objects.filter(award=award))
    assert [(d.kind, d.state) for d in sorted(documents, key=lambda d: d.kind)] == [
        ("letter", Document.State.PENDING),
        ("schedule", Document.State.PENDING),
    ]
    time.sleep(2)  # the worker is up on the real broker, but nothing was sent to it
    assert not Document.objects.filter(award=award, state=Document.State.READY).exists()

    # The periodic sweep (here sent at once, with no age limit) hands them to the worker.
    tasks.documents_sweep.delay(older_than_seconds=0)
    wait_for(
        lambda: Document.objects.filter(award=award, state=Document.State.READY).count() == 2,
        what="the swept documents",
        worker=celery_worker_process,
        log=tmp_path / "worker.log",
    )
    assert_one_ready_document_each([award], kinds=("letter", "schedule"))


def test_killing_the_worker_mid_render_still_ends_with_exactly_one_document_each(celery_worker_process, tmp_path):
    awards = [make_award(instalments=("200000.00",)) for _ in range(12)]
    with transaction.atomic():
        for award in awards:
            services.document_request(award=award)

    # Wait until one document is done and the worker is inside the next render (counted, not yet committed).
    def rendering():
        return (
            Document.objects.filter(state=Document.State.READY).exists()
            and Document.objects.filter(state=Document.State.PENDING, attempts__gte=1).exists()
        )

    wait_for(rendering, what="a render in progress", worker=celery_worker_process, log=tmp_path / "worker.log")
    os.kill(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=10)

    interrupted = list(Document.objects.filter(state=Document.State.PENDING, attempts__gte=1))
    assert interrupted, "the kill should have cut a render off midway"
    assert Document.objects.filter(state=Document.State.READY).count() < len(awards)

    # A new worker drains the queue; the render the kill cut off (its message unacknowledged) is re-sent by the sweep.
    log = tmp_path / "worker2.log"
    with celery_worker(log) as second:  # answers a ping before it is handed over
        tasks.documents_sweep.delay(older_than_seconds=0)
        wait_for(
            lambda: Document.objects.filter(state=Document.State.READY).count() == len(awards),
            what="every document",
            worker=second,
            log=log,
        )
        # Duplicate deliveries (the sweep re-sent what was still queued) find the work done.
        tasks.documents_sweep.delay(older_than_seconds=0)
        time.sleep(1)

    assert_one_ready_document_each(awards)
    assert Document.objects.count() == len(awards)
    for document in interrupted:
        document.refresh_from_db()
        assert document.state == Document.State.READY and document.attempts >= 2
