"""Approval documents: gap-free numbering, idempotent generation, what the PDF says, the amount in words, the
static-only fetcher, the public verification page, downloads and their audit, re-issue and batch regeneration.

Tasks run eagerly here (see tests/conftest.py); tests/integration/test_documents_worker.py runs a real worker.
"""

import hashlib
import io
import itertools
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from pypdf import PdfReader

from applications.models import Application, Person
from huzhou_craftsman.accounts.models import AuditEvent
from huzhou_craftsman.accounts.roles import Role
from subsidies.documents import pdf, render, services, tasks
from subsidies.documents.models import Document, DocumentSequence, RegenerationJob
from subsidies.models import Award, Instalment
from tests.applications.test_notices import freeze_today
from tests.conftest import login
from tests.factories import OrganisationFactory, RoundFactory, district, make_resident_id, make_user

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
GRAND_BASIS = "第3条 湖州大工匠 资助200,000元，分两年拨付"


def make_award(
    *,
    organisation=None,
    person_name="王建华",
    level="grand",
    total="200000.00",
    instalments=("100000.00", "100000.00"),
    approved_on=date(2026, 5, 6),
) -> Award:
    """An approved craftsman-title application and its award, built directly with the models."""
    n = next(_seq)
    organisation = organisation or OrganisationFactory()
    person = Person.objects.create(resident_id=make_resident_id(n, birth="19800506"), name=person_name)
    application = Application.objects.create(
        number=f"HZGJ2026D{n:05d}",
        round=RoundFactory(scheme="craftsman_title"),
        organisation=organisation,
        district=organisation.district,
        scheme="craftsman_title",
        level=level,
        person=person,
        state="approved",
        created_by=make_user(Role.ENTERPRISE, organisation=organisation),
    )
    award = Award.objects.create(
        application=application,
        organisation=organisation,
        person=person,
        scheme="craftsman_title",
        level=level,
        total=Decimal(total),
        basis=GRAND_BASIS if level == "grand" else "第3条 湖州工匠 资助10,000元，一次性拨付",
        policy_edition="huzhou-2021",
    )
    for year, amount in enumerate(instalments, start=1):
        Instalment.objects.create(
            award=award, year=year, amount=Decimal(amount), due_on=approved_on.replace(year=approved_on.year + year - 1)
        )
    return award


def requested(award: Award, kind=Document.Kind.LETTER) -> Document:
    with transaction.atomic():
        return services.document_request(award=award, kind=kind)


def generated(award: Award, kind=Document.Kind.LETTER) -> Document:
    return services.document_generate_now(requested(award, kind))


def pdf_text(data: bytes) -> str:
    """The PDF's text with all white space removed (line breaks may fall anywhere in Chinese text)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def file_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


# --- Numbering ------------------------------------------------------------------------------------------------------


def test_numbers_are_gap_free_per_year_and_a_rolled_back_request_leaves_no_gap(monkeypatch):
    # given
    freeze_today(monkeypatch, date(2026, 5, 6))
    awards = [make_award() for _ in range(3)]
    # when
    first = [requested(award).number for award in awards[:2]]
    with pytest.raises(RuntimeError), transaction.atomic():
        services.document_request(award=awards[2])
        raise RuntimeError("the approval failed after the number was taken")
    third = requested(awards[2]).number
    freeze_today(monkeypatch, date(2027, 1, 4))
    next_year = requested(awards[0], Document.Kind.SCHEDULE).number
    # then
    assert first == ["湖人社补〔2026〕1号", "湖人社补〔2026〕2号"]
    assert third == "湖人社补〔2026〕3号"
    assert next_year == "湖人社补〔2027〕1号"
    assert dict(DocumentSequence.objects.values_list("year", "last_number")) == {2026: 3, 2027: 1}
    assert Document.objects.count() == 4


def test_award_documents_request_asks_for_a_schedule_only_for_several_instalments_and_is_idempotent():
    grand, craftsman = make_award(), make_award(level="craftsman", total="10000.00", instalments=("10000.00",))
    with transaction.atomic():
        grand_documents = services.award_documents_request(grand)
        craftsman_documents = services.award_documents_request(craftsman)
    with transaction.atomic():
        again = services.award_documents_request(grand)

    assert [d.kind for d in grand_documents] == ["letter", "schedule"]
    assert [d.kind for d in craftsman_documents] == ["letter"]
    assert [d.pk for d in again] == [d.pk for d in grand_documents]
    assert Document.objects.count() == 3
    assert all(len(d.token) >= 32 for d in Document.objects.all())
    assert len({d.token for d in Document.objects.all()}) == 3


# --- Generation -----------------------------------------------------------------------------------------------------


def test_generation_stores_the_pdf_with_its_hash_and_a_second_run_changes_nothing(django_capture_on_commit_callbacks):
    award = make_award()
    with django_capture_on_commit_callbacks(execute=True):
        document = requested(award)  # the eager task renders it at commit

    document.refresh_from_db()
    data = file_bytes(document)
    assert document.state == Document.State.READY
    assert document.sha256 == hashlib.sha256(data).hexdigest() and document.size == len(data)
    assert document.file.name == f"documents/{document.year}/{document.token}.pdf"
    assert data.startswith(b"%PDF-")

    tasks.document_generate.delay(document.pk)  # a duplicate delivery
    again = services.document_generate_now(document)
    assert (again.sha256, again.generated_at, again.attempts) == (document.sha256, document.generated_at, 1)
    assert len(list((Path(settings.MEDIA_ROOT) / "documents" / str(document.year)).iterdir())) == 1
    assert AuditEvent.objects.filter(action="document.generate", target_id=str(document.pk)).count() == 1


def test_the_letter_says_who_what_how_much_in_figures_and_words_its_number_and_the_schedule():
    award = make_award(person_name="王建华")
    document = generated(award)
    text = pdf_text(file_bytes(document))

    assert document.number in text
    assert "文件" not in text  # a 告知书 is not a 公文: no red masthead
    assert "湖州工匠培育工程资助告知书" in text
    assert "湖州市人力资源和社会保障局" in text
    assert award.organisation.name in text
    assert "王建华" in text
    assert award.person.masked_resident_id in text and award.person.resident_id not in text
    assert "湖州大工匠" in text and GRAND_BASIS.replace(" ", "") in text
    assert "200,000.00" in text and "人民币贰拾万元整" in text
    # The schedule table: both instalments with dates, figures and words.
    assert "第1期2026年5月6日100,000.00人民币壹拾万元整" in text
    assert "第2期2027年5月6日100,000.00人民币壹拾万元整" in text
    assert "分2期拨付" in text


def test_the_schedule_is_its_own_document_with_its_own_number():
    award = make_award()
    letter, schedule = generated(award), generated(award, Document.Kind.SCHEDULE)
    text = pdf_text(file_bytes(schedule))

    assert schedule.number != letter.number and schedule.number in text
    assert "资助分期拨付计划" in text
    assert "第1期2026年5月6日100,000.00人民币壹拾万元整" in text
    assert "合计200,000.00人民币贰拾万元整" in text


@pytest.mark.parametrize(
    ("amount", "figures", "words"),
    [
        ("200000", "200,000.00", "人民币贰拾万元整"),
        ("10000", "10,000.00", "人民币壹万元整"),
        ("5000", "5,000.00", "人民币伍仟元整"),
        ("2916.67", "2,916.67", "人民币贰仟玖佰壹拾陆元陆角柒分"),
        ("500000", "500,000.00", "人民币伍拾万元整"),
        ("100000.05", "100,000.05", "人民币壹拾万元零伍分"),
        ("1005.50", "1,005.50", "人民币壹仟零伍元伍角"),
        ("2000000.00", "2,000,000.00", "人民币贰佰万元整"),
    ],
)
def test_amounts_in_figures_and_in_uppercase_words(amount, figures, words):
    assert render.amount_figures(Decimal(amount)) == figures
    assert render.amount_in_words(Decimal(amount)) == words


def test_a_negative_amount_has_no_words():
    with pytest.raises(ValueError):
        render.amount_in_words(Decimal("-1"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/seal.png",
        "https://example.com/font.woff",
        "file:///etc/passwd",
        "file://otherhost/work/static/css/portal.css",
        "data:text/css,body{}",
    ],
)
def test_the_url_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(pdf.URLRefused):
        pdf.StaticOnlyURLFetcher().fetch(url)


def test_the_url_fetcher_serves_static_files_and_refuses_climbing_out_of_them():
    root = pdf.static_root()
    response = pdf.StaticOnlyURLFetcher().fetch((root / "css" / "portal.css").as_uri())
    assert b"--portal-red" in response.read()
    assert response.content_type == "text/css"
    with pytest.raises(pdf.URLRefused):
        pdf.StaticOnlyURLFetcher().fetch(root.as_uri() + "/../manage.py")


def test_a_document_asking_for_a_remote_resource_is_not_rendered():
    with pytest.raises(render.DocumentRenderError):
        pdf.html_to_pdf('<p>x</p><img src="http://127.0.0.1:9/seal.png">')
    with pytest.raises(render.DocumentRenderError):
        pdf.html_to_pdf('<link rel="stylesheet" href="file:///etc/passwd"><p>x</p>')


def test_one_font_configuration_serves_every_document_of_a_process():
    assert pdf.font_config() is pdf.font_config()


# --- Reliability ----------------------------------------------------------------------------------------------------


def test_an_unreachable_broker_does_not_break_the_approval_and_the_sweep_sends_it_later(
    monkeypatch, django_capture_on_commit_callbacks
):
    award = make_award()

    def broker_down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.document_generate, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            document = requested(award)  # must not raise
        assert services.documents_sweep(older_than=timedelta(0)) == 0  # still down: nothing sent

    document.refresh_from_db()
    assert document.state == Document.State.PENDING
    assert services.documents_sweep(older_than=timedelta(minutes=10)) == 0  # too recent to re-send

    assert services.documents_sweep(older_than=timedelta(0)) == 1  # broker back: the eager task renders it
    document.refresh_from_db()
    assert document.state == Document.State.READY
    assert services.documents_sweep(older_than=timedelta(0)) == 0


def test_the_sweep_gives_up_on_a_document_that_keeps_failing():
    document = requested(make_award())
    Document.objects.filter(pk=document.pk).update(attempts=services.MAX_ATTEMPTS)

    assert services.documents_sweep(older_than=timedelta(0)) == 0
    document.refresh_from_db()
    assert document.state == Document.State.FAILED and "8" in document.last_error


def test_a_render_error_marks_the_document_failed(monkeypatch):
    document = requested(make_award())

    def broken(_document):
        raise render.DocumentRenderError("layout exploded")

    monkeypatch.setattr(render, "document_pdf", broken)
    with pytest.raises(render.DocumentRenderError):
        tasks.document_generate.delay(document.pk)

    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert "layout exploded" in document.last_error and document.attempts == 1


def test_in_process_mode_a_failed_render_breaks_neither_the_approval_nor_later_callbacks(
    monkeypatch, django_capture_on_commit_callbacks
):
    award = make_award()

    def broken(_document):
        raise render.DocumentRenderError("layout exploded")

    monkeypatch.setattr(render, "document_pdf", broken)
    later = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        document = services.document_request(award=award)
        transaction.on_commit(lambda: later.append("e-mail sent"))

    document.refresh_from_db()
    assert document.state == Document.State.FAILED and later == ["e-mail sent"]


def test_the_task_options_make_it_safe_to_kill_and_retry():
    task = tasks.document_generate
    assert task.name == "subsidies.documents.tasks.generate"
    assert task.acks_late and task.reject_on_worker_lost and task.ignore_result
    assert task.autoretry_for == services.TRANSIENT_ERRORS and task.retry_backoff
    assert task.soft_time_limit < task.time_limit
    assert tasks.documents_sweep.name == "subsidies.documents.tasks.sweep"
    assert tasks.regenerate_batch.name == "subsidies.documents.tasks.regenerate_batch"
    assert settings.CELERY_BEAT_SCHEDULE["sweep-pending-documents"]["task"] == "subsidies.documents.tasks.sweep"


# --- Verification page ----------------------------------------------------------------------------------------------


def test_the_verification_page_needs_no_login_and_never_shows_the_full_id(client):
    award = make_award()
    document = generated(award)

    response = client.get(reverse("document-verify", args=[document.token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert document.number in page
    assert award.person.name in page and award.person.masked_resident_id in page
    assert award.person.resident_id not in page
    assert "200,000.00" in page and "人民币贰拾万元整" in page
    assert "有效" in page
    assert document.sha256 in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_unknown_token_is_a_404(client):
    assert client.get(reverse("document-verify", args=["not-a-token"])).status_code == 404


def test_an_uploaded_copy_is_checked_against_the_stored_hash():
    document = generated(make_award())
    client = Client(enforce_csrf_checks=True)
    url = reverse("document-verify", args=[document.token])
    client.get(url)
    token = client.cookies["csrftoken"].value

    same = client.post(url, {"file": SimpleUploadedFile("x.pdf", file_bytes(document)), "csrfmiddlewaretoken": token})
    other = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 forged"), "csrfmiddlewaretoken": token})
    no_csrf = Client(enforce_csrf_checks=True).post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF")})

    assert "一致：上传的文件与平台存档的文书完全相同" in same.content.decode()
    assert "不一致" in other.content.decode()
    assert hashlib.sha256(b"%PDF-1.4 forged").hexdigest() in other.content.decode()
    assert no_csrf.status_code == 403


# --- Downloads ------------------------------------------------------------------------------------------------------


def test_the_enterprise_downloads_its_own_document_and_the_download_is_audited():
    organisation = OrganisationFactory()
    document = generated(make_award(organisation=organisation))
    owner = make_user(Role.ENTERPRISE, organisation=organisation)

    response = login(Client(), owner).get(reverse("document-download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == document.sha256
    event = AuditEvent.objects.get(action="document.download")
    assert (event.actor, event.target_id, event.data["number"]) == (owner, str(document.pk), document.number)


@pytest.mark.parametrize(
    ("role", "same_scope", "status"),
    [
        (Role.ENTERPRISE, False, 404),
        (Role.DISTRICT_REVIEWER, False, 404),
        (Role.DISTRICT_REVIEWER, True, 200),
        (Role.CITY_REVIEWER, False, 200),
        (Role.CITY_APPROVER, False, 200),
        (Role.FINANCE_MAKER, False, 200),
        (Role.FINANCE_CHECKER, False, 200),
        (Role.AUDITOR, False, 200),
        (Role.ADMINISTRATOR, False, 200),
    ],
)
def test_who_may_download(role, same_scope, status):
    organisation = OrganisationFactory(district=district("wuxing"))
    document = generated(make_award(organisation=organisation))
    if role == Role.DISTRICT_REVIEWER:
        user = make_user(role, district=district("wuxing" if same_scope else "nanxun"))
    else:
        user = make_user(role)  # an enterprise user of another organisation

    response = login(Client(), user).get(reverse("document-download", args=[document.pk]))

    assert response.status_code == status
    assert AuditEvent.objects.filter(action="document.download").count() == (1 if status == 200 else 0)


def test_anonymous_visitors_are_sent_to_log_in():
    document = generated(make_award())
    response = Client().get(reverse("document-download", args=[document.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_document_list_shows_only_ones_own_documents():
    organisation = OrganisationFactory()
    mine, theirs = generated(make_award(organisation=organisation)), generated(make_award())
    page = login(Client(), make_user(Role.ENTERPRISE, organisation=organisation)).get(reverse("document-list"))
    assert mine.number in page.content.decode() and theirs.number not in page.content.decode()


# --- Re-issue and revocation ----------------------------------------------------------------------------------------


def test_a_reissue_revokes_the_old_version_and_its_page_says_so(client, django_capture_on_commit_callbacks):
    award = make_award()
    old_letter, old_schedule = generated(award), generated(award, Document.Kind.SCHEDULE)
    approver = make_user(Role.CITY_APPROVER)

    with django_capture_on_commit_callbacks(execute=True):
        new_documents = services.document_reissue(award=award, reason="更正资助对象姓名", by=approver)

    old_letter.refresh_from_db()
    new_letter = next(d for d in new_documents if d.kind == Document.Kind.LETTER)
    new_letter.refresh_from_db()
    assert old_letter.state == Document.State.REVOKED and old_letter.revoke_reason == "更正资助对象姓名"
    assert (new_letter.version, new_letter.state, new_letter.supersedes) == (2, Document.State.READY, old_letter)
    assert new_letter.number != old_letter.number
    assert f"本告知书替代原{old_letter.number}号" in pdf_text(file_bytes(new_letter))
    assert Document.objects.get(pk=old_schedule.pk).state == Document.State.REVOKED
    assert Document.objects.filter(award=award, kind="schedule", version=2).exists()

    page = client.get(reverse("document-verify", args=[old_letter.token])).content.decode()
    assert "已作废" in page and "更正资助对象姓名" in page and new_letter.number in page
    assert old_letter.sha256 in page  # the old file still verifies, as what it was
    assert "有效" in client.get(reverse("document-verify", args=[new_letter.token])).content.decode()


def test_a_reissue_needs_a_reason():
    award = make_award()
    generated(award)
    with pytest.raises(services.ValidationError):
        services.document_reissue(award=award, reason="  ", by=None)


def test_a_revoked_award_gets_a_revocation_notice_as_the_next_version(django_capture_on_commit_callbacks):
    award = make_award()
    letter = generated(award)
    with pytest.raises(services.ValidationError):
        services.award_documents_revoke(award=award, reason="材料造假", by=None)
    # What the award's revocation service (subsidies.services) does before calling us.
    Award.objects.filter(pk=award.pk).update(state=Award.State.REVOKED, revoke_reason="材料造假")

    with django_capture_on_commit_callbacks(execute=True):
        (notice,) = services.award_documents_revoke(award=award, reason="材料造假", by=make_user(Role.CITY_APPROVER))

    notice.refresh_from_db()
    text = pdf_text(file_bytes(notice))
    assert Document.objects.get(pk=letter.pk).state == Document.State.REVOKED
    assert (notice.kind, notice.version, notice.state) == ("letter", 2, Document.State.READY)
    assert "资助撤销通知书" in text and letter.number in text and "材料造假" in text and "人民币贰拾万元整" in text


# --- Batch regeneration ---------------------------------------------------------------------------------------------


def test_an_administrator_regenerates_a_year_of_documents_and_watches_the_progress(
    settings, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    letters = [generated(make_award()) for _ in range(2)]
    settings.ISSUING_OFFICE = "湖州市人力资源和社会保障局（新名称）"
    admin_client = login(Client(), make_user(Role.ADMINISTRATOR))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("documents-regenerate"), {"year": year, "kind": "letter", "reason": "发文机关名称变更"}
        )

    job = RegenerationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents-regenerate-job", args=[job.pk])
    assert (job.state, job.total, job.done, job.failed) == (RegenerationJob.State.DONE, 2, 2, 0)
    for letter in letters:
        letter.refresh_from_db()
        successor = letter.successor
        assert letter.state == Document.State.REVOKED and letter.revoke_reason == "发文机关名称变更"
        assert successor.state == Document.State.READY and successor.version == 2
        assert "湖州市人力资源和社会保障局（新名称）" in pdf_text(file_bytes(successor))
    page = admin_client.get(reverse("documents-regenerate-job", args=[job.pk]))
    assert "已处理 2 / 2 份" in page.content.decode() and "已完成" in page.content.decode()
    assert "Refresh" not in page


def test_a_job_resumes_where_it_stopped_and_shows_progress_while_running():
    year = timezone.localdate().year
    letters = [generated(make_award()) for _ in range(3)]
    admin = make_user(Role.ADMINISTRATOR)
    job = services.documents_regenerate(year=year, kind="letter", reason="发文机关名称变更", by=admin)
    # As if a worker had handled the first document and died.
    services._regenerate_one(letters[0].pk, job)
    RegenerationJob.objects.filter(pk=job.pk).update(done=1, state=RegenerationJob.State.RUNNING)

    page = login(Client(), admin).get(reverse("documents-regenerate-job", args=[job.pk]))
    assert "已处理 1 / 3 份" in page.content.decode() and page["Refresh"] == "2"

    services.regeneration_job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.done) == (RegenerationJob.State.DONE, 3)
    assert Document.objects.filter(kind="letter", version=2, state="ready").count() == 3
    assert Document.objects.filter(kind="letter").count() == 6  # no document was re-issued twice


def test_only_administrators_regenerate():
    client, _user = Client(), make_user(Role.CITY_APPROVER)
    assert login(client, _user).get(reverse("documents-regenerate")).status_code == 403
    with pytest.raises(PermissionDenied, match="只有系统管理员"):
        services.documents_regenerate(year=2026, reason="x", by=_user)
