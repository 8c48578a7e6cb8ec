"""Sealed documents: the PAdES signature of every document (valid, covering the whole file), the verification page
telling an altered file, the signing key's bad states, the remote e-seal adapter against a fake service, the 文号
without 虚位 under concurrent approvals, and the round's 通知 listing exactly the awards of its closed notice.
"""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from applications import notices
from huzhou_craftsman.accounts.roles import Role
from subsidies import services as subsidies_services
from subsidies.documents import services, signing
from subsidies.documents.demo_ca import make_demo_ca
from subsidies.documents.models import Document
from subsidies.models import Award
from tests.applications.test_notices import craftsman_awaiting
from tests.factories import make_user
from tests.subsidies.test_documents import file_bytes, generated, make_award, pdf_text, requested
from tests.test_settings_modes import PAYER, run_manage

pytestmark = pytest.mark.django_db


def demo_ca_root():
    from asn1crypto import pem, x509

    data = Path(settings.DOCUMENT_SIGNING_P12).with_name("demo-signer-ca.pem").read_bytes()
    return x509.Certificate.load(pem.unarmor(data)[2])


def fresh_signers():
    signing._signer_cache.clear()


@pytest.fixture(autouse=True)
def _no_cached_signer():
    fresh_signers()
    yield
    fresh_signers()


# --- The signature --------------------------------------------------------------------------------------------------


def test_a_generated_letter_is_sealed_with_a_valid_signature_covering_the_whole_file():
    document = generated(make_award())
    data = file_bytes(document)

    embedded = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(embedded) == 1
    status = validate_pdf_signature(
        embedded[0], signer_validation_context=ValidationContext(trust_roots=[demo_ca_root()], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "湖州市人力资源和社会保障局（演示）"
    # The byte ranges signed are the whole file but the signature's own hole.
    start1, length1, start2, length2 = PdfReader(io.BytesIO(data)).trailer["/Root"]["/AcroForm"]["/Fields"][0]["/V"][
        "/ByteRange"
    ]
    assert start1 == 0 and start2 + length2 == len(data)
    assert (document.signer, document.signed_at is not None) == ("湖州市人力资源和社会保障局（演示）", True)
    # The visible seal: the signature widget lies over the organ's name and date on the last page.
    page = PdfReader(io.BytesIO(data)).pages[-1]
    widget = next(a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig")
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert 118 <= x2 - x1 <= 121 and 118 <= y2 - y1 <= 121  # 42 mm
    assert 297 < (x1 + x2) / 2 < 520  # right half of the type area (the date is four characters from the right)
    assert signing.check_signature(data).valid
    assert len(data) < 500 * 1024


def test_one_changed_byte_makes_the_verification_page_say_the_file_was_altered(client):
    document = generated(make_award())
    data = bytearray(file_bytes(document))
    # A byte inside the signed content (an amount, a name: whatever lies half-way through the first revision).
    data[len(data) // 3] ^= 0x01
    url = reverse("document-verify", args=[document.token])

    altered = client.post(url, {"file": SimpleUploadedFile("letter.pdf", bytes(data))}).content.decode()
    original = client.post(url, {"file": SimpleUploadedFile("letter.pdf", file_bytes(document))}).content.decode()

    assert "文件已被修改" in altered and "不一致：上传的文件在出具后被修改过" in altered
    assert "签章有效" not in altered
    assert (
        "签章有效：文件自签章后未被修改，签章证书可信。" in original
        and "一致：上传的文件与平台存档的文书完全相同" in original
    )
    assert "湖州市人力资源和社会保障局（演示）" in original and "签章覆盖整个文件" in original


def test_a_file_with_something_appended_after_the_seal_is_reported_as_altered(client):
    document = generated(make_award())
    data = file_bytes(document) + b"\n% a later incremental change\n"

    page = client.post(
        reverse("document-verify", args=[document.token]), {"file": SimpleUploadedFile("x.pdf", data)}
    ).content.decode()

    assert "文件已被修改" in page and "签章之后文件又被追加修改" in page


# --- Bad keys: the document fails with a reason, nothing is issued unsigned ----------------------------------------


def _fails_with(settings_override, **values) -> Document:
    for name, value in values.items():
        setattr(settings_override, name, value)
    fresh_signers()
    document = requested(make_award())
    with pytest.raises(signing.SigningError):
        from subsidies.documents import tasks

        tasks.document_generate.delay(document.pk)
    document.refresh_from_db()
    assert document.state == Document.State.FAILED
    assert not document.file and not document.sha256 and not document.signer
    return document


def test_a_missing_key_file_fails_the_document_with_what_to_fix(settings, tmp_path):
    document = _fails_with(settings, DOCUMENT_SIGNING_P12=str(tmp_path / "absent.p12"))
    assert "签章证书文件不存在" in document.last_error and "DOCUMENT_SIGNING_P12" in document.last_error


def test_a_wrong_password_fails_the_document_with_what_to_fix(settings):
    document = _fails_with(settings, DOCUMENT_SIGNING_PASSWORD="not-the-password")
    assert "密码错误" in document.last_error and "DOCUMENT_SIGNING_PASSWORD" in document.last_error


def test_an_expired_certificate_fails_the_document_with_what_to_fix(settings, tmp_path):
    expired = make_demo_ca(
        tmp_path,
        organ="湖州市人力资源和社会保障局",
        password="pw",
        name="expired",
        not_before=timezone.now() - timedelta(days=400),
        valid_for=timedelta(days=365),
    )
    document = _fails_with(settings, DOCUMENT_SIGNING_P12=str(expired.p12), DOCUMENT_SIGNING_PASSWORD="pw")
    assert "签章证书已于" in document.last_error and "过期" in document.last_error


def test_with_signing_switched_off_the_document_is_issued_without_a_seal(settings):
    settings.DOCUMENT_SIGNING = False
    document = generated(make_award())
    assert document.state == Document.State.READY and document.signer == ""
    assert signing.check_signature(file_bytes(document)).state == "unsigned"


# --- The remote e-seal service ------------------------------------------------------------------------------------


class FakeSealService(BaseHTTPRequestHandler):
    """A stand-in for a provincial e-seal platform: signs what it receives with its own key (pyHanko here)."""

    requests: list = []
    refuse = False

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeSealService.requests.append({k.lower(): v for k, v in self.headers.items()})
        if FakeSealService.refuse:
            self.send_response(403)
            self.end_headers()
            self.wfile.write("印章授权已过期".encode())
            return
        page = int(self.headers["X-Seal-Page"])
        box = tuple(float(v) for v in self.headers["X-Seal-Box"].split(","))
        signer = signing.PyHankoSigner(settings.DOCUMENT_SIGNING_P12, settings.DOCUMENT_SIGNING_PASSWORD)
        sealed = signer.sign(body, placement=signing.SealPlacement(page, box), reason="remote", number="").data
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(sealed)))
        self.end_headers()
        self.wfile.write(sealed)

    def log_message(self, *args):
        pass


@pytest.fixture
def seal_service():
    FakeSealService.requests, FakeSealService.refuse = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSealService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/seal"
    server.shutdown()
    server.server_close()


def test_the_remote_adapter_posts_the_pdf_and_stores_the_sealed_file(settings, seal_service):
    settings.DOCUMENT_SIGNING_BACKEND = "remote"
    settings.DOCUMENT_SEAL_SERVICE_URL = seal_service
    settings.DOCUMENT_SEAL_SERVICE_TOKEN = "t0ken"

    document = generated(make_award())

    (request,) = FakeSealService.requests
    assert request["content-type"] == "application/pdf" and request["authorization"] == "Bearer t0ken"
    assert request["x-document-number"].encode("latin-1").decode() == document.number
    assert document.state == Document.State.READY and document.signer == "湖州市人力资源和社会保障局（演示）"
    assert signing.check_signature(file_bytes(document)).valid


def test_a_refusing_seal_service_fails_the_document_with_its_answer(settings, seal_service):
    settings.DOCUMENT_SIGNING_BACKEND = "remote"
    settings.DOCUMENT_SEAL_SERVICE_URL = seal_service
    FakeSealService.refuse = True
    document = _fails_with(settings)
    assert "HTTP 403" in document.last_error and "印章授权已过期" in document.last_error


# --- Numbers ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_gap_free_under_concurrent_approvals(reference_data):
    awards = [make_award() for _ in range(12)]
    year = timezone.localdate().year

    def approve(award):
        try:
            with transaction.atomic():
                return services.document_request(award=award, enqueue=False).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(approve, awards))

    assert sorted(numbers, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"湖人社补〔{year}〕{n}号" for n in range(1, 13)
    ]


# --- The round notice (通知) ----------------------------------------------------------------------------------------


def test_closing_a_notice_issues_the_round_notice_listing_exactly_its_awards(django_capture_on_commit_callbacks):
    approver, enterprise = make_user(Role.CITY_APPROVER), make_user(Role.ENTERPRISE)
    names = {21: "赵一工", 22: "钱二匠", 23: "孙三师", 24: "李四技"}
    applications = [
        craftsman_awaiting(enterprise, seq=s, approver=approver, person_name=names[s]) for s in (21, 22, 23)
    ]
    # Approved through another notice: not in this one's list.
    other = craftsman_awaiting(enterprise, seq=24, approver=approver, person_name=names[24])
    notice = notices.notice_open(applications=applications, title="2026年度第一批", by=approver)
    notices.objection_record(
        notice=notice, application=applications[0], reason="业绩存疑", received_on=timezone.localdate(), by=approver
    )
    subsidies_services.notice_close(
        notice=notices.notice_open(applications=[other], title="2026年度第二批", by=approver), by=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        awards = subsidies_services.notice_close(notice=notice, by=None)

    document = Document.objects.get(notice=notice)
    text = pdf_text(file_bytes(document))
    year = timezone.localdate().year
    # The other notice, closed first, took 1号 of the notices' own series (the letters count apart).
    assert (document.kind, document.state, document.number) == ("round_notice", "ready", f"湖人社发〔{year}〕2号")
    assert f"关于公布{year}年度湖州工匠培育工程资助名单的通知" in text
    assert "湖州市人力资源和社会保障局文件" in text and document.number in text
    assert "抄送：市财政局，市总工会。" in text and "印发" in text
    listed = [a for a in Award.objects.select_related("person") if a.person.name in text]
    assert sorted(a.pk for a in listed) == sorted(a.pk for a in awards) and len(awards) == 2
    assert "赵一工" not in text and "李四技" not in text  # the objected one, and the other notice's
    assert f"共{len(awards)}项" in text
    assert signing.check_signature(file_bytes(document)).valid


# --- Production refuses to start without a key ---------------------------------------------------------------------


PRODUCTION = {
    "PORTAL_PRODUCTION": "1",
    "SECRET_KEY": "k3#v9Lq!xZ2@pW7&rT5^mN8*bY4(cU6)hJ1_dF0+gS3=aE9-oI2?uK7<lP5>wQ8",
    "ALLOWED_HOSTS": "portal.hzrs.example.cn",
    **PAYER,  # the paying account is required too; this test is about the signing key
}


def test_production_refuses_to_start_when_signing_is_on_without_a_key(tmp_path):
    missing = run_manage("check", **PRODUCTION)
    wrong_path = run_manage("check", DOCUMENT_SIGNING_P12=str(tmp_path / "none.p12"), **PRODUCTION)
    assert missing.returncode != 0 and "requires DOCUMENT_SIGNING_P12" in missing.stderr
    assert wrong_path.returncode != 0 and "requires DOCUMENT_SIGNING_P12" in wrong_path.stderr
    off = run_manage("check", DOCUMENT_SIGNING="0", **PRODUCTION)
    assert off.returncode == 0, off.stderr
