"""The signing step of every document, behind one interface, and the check of a signed file.

* ``Signer`` is what the worker calls: PDF bytes in, sealed PDF bytes out.
* ``PyHankoSigner`` signs locally (PAdES B-B, RSA/ECDSA) with the bureau's key and certificate from a PKCS#12 file.
* ``RemoteSealSigner`` posts the PDF to an external e-seal service (e.g. a provincial platform applying an SM2 seal
  per GB/T 38540, which no Python signer offers) and receives the sealed PDF; the contract is in docs/documents.md.
* ``check_signature`` validates a file's signatures (signer, time, integrity, whole-file coverage) for the public
  verification page and the upload check.

pyHanko is imported lazily: the web process pays for it only when an uploaded file is checked.
"""

from __future__ import annotations

import io
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from .seal import seal_image

logger = logging.getLogger(__name__)

FIELD_NAME = "BureauSeal"
SIGNATURE_BYTES_RESERVED = 12_000


class SigningError(Exception):
    """The document cannot be signed until an administrator acts (key missing, wrong password, expired, refused).

    Not transient: the worker marks the document failed with this message and issues nothing unsigned.
    """


@dataclass(frozen=True)
class SealPlacement:
    """Where the visible seal goes: a 0-based page and a box in PDF points (origin bottom-left)."""

    page: int
    box: tuple[float, float, float, float]


SEAL_DIAMETER_PT = 42 / 25.4 * 72  # a 42 mm seal


def seal_over(anchor: SealPlacement) -> SealPlacement:
    """The seal's square centred over the date (``anchor``) and the organ's name one line above it, so that both
    lie in the seal's lower half, "居印章中心偏下位置" (GB/T 9704-2012 7.3.5.1)."""
    x1, y1, x2, y2 = anchor.box
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2 + 30  # about the organ's line: one 29 pt grid line above the date
    r = SEAL_DIAMETER_PT / 2
    return SealPlacement(page=anchor.page, box=(cx - r, cy - r, cx + r, cy + r))


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    signer: str  # the signing certificate's common name


class Signer(Protocol):
    name: str

    def sign(self, pdf: bytes, *, placement: SealPlacement | None, reason: str, number: str) -> SignedPdf: ...


# --- Local signing with pyHanko -------------------------------------------------------------------------------------


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_pkcs12(path: str | Path, password: str):
    """The (key, certificate, extra certificates) of a PKCS#12 file, or a ``SigningError`` saying what to fix."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    path = Path(path)
    if not str(path) or not path.is_file():
        raise SigningError(
            f"签章证书文件不存在：{path}。请检查 DOCUMENT_SIGNING_P12 设置，或运行 manage.py make_demo_signing_cert 生成演示证书。"
        )
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(path.read_bytes(), (password or "").encode())
    except ValueError as error:
        raise SigningError(
            f"无法打开签章证书文件 {path}：密码错误或文件已损坏（{error}）。请核对 DOCUMENT_SIGNING_PASSWORD。"
        ) from error
    if key is None or certificate is None:
        raise SigningError(f"签章证书文件 {path} 中没有私钥或证书，请导出包含私钥的 PKCS#12 文件。")
    return key, certificate, list(extra or [])


def check_validity(certificate, *, now: datetime | None = None) -> None:
    """Refuse a certificate that is not yet or no longer valid: a document sealed with it would not verify."""
    now = now or timezone.now()
    not_before, not_after = _as_utc(certificate.not_valid_before_utc), _as_utc(certificate.not_valid_after_utc)
    subject = certificate.subject.rfc4514_string()
    if now > not_after:
        raise SigningError(
            f"签章证书已于 {timezone.localtime(not_after):%Y-%m-%d %H:%M} 过期（{subject}），请更换证书后重新生成文书。"
        )
    if now < not_before:
        raise SigningError(
            f"签章证书要到 {timezone.localtime(not_before):%Y-%m-%d %H:%M} 才生效（{subject}），请检查服务器时间或证书。"
        )


class PyHankoSigner:
    """Sign with pyHanko (PAdES baseline B-B), the seal image as the signature's visible appearance."""

    name = "pyhanko"

    def __init__(self, p12_path: str | Path, password: str, *, location: str = ""):
        self.p12_path, self.password, self.location = Path(p12_path), password, location
        self._signer = None
        self._certificate = None

    def _load(self):
        if self._signer is None:
            from asn1crypto import keys as asn1_keys
            from asn1crypto import x509 as asn1_x509
            from cryptography.hazmat.primitives import serialization
            from pyhanko.sign import signers
            from pyhanko_certvalidator.registry import SimpleCertificateStore

            key, certificate, extra = load_pkcs12(self.p12_path, self.password)

            class LoadedKeySigner(signers.SimpleSigner):
                """pyHanko's SimpleSigner re-parses (and for RSA re-checks, ~70 ms) the key at every signature;
                this one keeps the parsed key of the process."""

                def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
                    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
                    from pyhanko.sign.general import get_pyca_cryptography_hash

                    mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
                    hash_algo = get_pyca_cryptography_hash(digest_algorithm)
                    if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                        return key.sign(data, padding.PKCS1v15(), hash_algo)
                    if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                        return key.sign(data, ec.ECDSA(hash_algo))
                    return super().sign_raw(data, digest_algorithm)

            signing_key = asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra]
            self._signer = LoadedKeySigner(
                signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
                signing_key=signing_key,
                cert_registry=SimpleCertificateStore.from_certs(chain),
            )
            self._certificate = certificate
        check_validity(self._certificate)
        return self._signer

    def sign(self, pdf: bytes, *, placement: SealPlacement | None, reason: str, number: str) -> SignedPdf:
        signer = self._load()
        data = pyhanko_sign(pdf, signer=signer, placement=placement, reason=reason, location=self.location)
        return SignedPdf(data=data, signer=common_name(self._certificate))


_seal_content_cache: dict[int, object] = {}


def pyhanko_sign(pdf: bytes, *, signer, placement: SealPlacement | None, reason: str, location: str = "") -> bytes:
    """Append a PAdES signature to ``pdf`` as an incremental update (the original bytes stay as they were)."""
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    field = fields.SigFieldSpec(
        FIELD_NAME, on_page=placement.page if placement else 0, box=placement and tuple(round(v) for v in placement.box)
    )
    style = None
    if placement is not None:
        style = StaticStampStyle(border_width=0, background=PdfImage(seal_image(), writer=writer))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
    )
    out = io.BytesIO()
    # A fixed reservation for the CMS container (a key and two certificates need ~4 kB) spares pyHanko a dry-run
    # signature to measure it.
    signers.PdfSigner(meta, signer=signer, stamp_style=style, new_field_spec=field).sign_pdf(
        writer, output=out, bytes_reserved=SIGNATURE_BYTES_RESERVED
    )
    return out.getvalue()


# --- A remote e-seal service ----------------------------------------------------------------------------------------


class RemoteSealSigner:
    """Post the PDF to an e-seal service over HTTP and receive the sealed PDF (contract: docs/documents.md).

    A refusal (4xx) is a ``SigningError`` for an administrator; an unreachable service or a 5xx is an ``OSError``
    the worker retries with backoff. The answer is accepted only if it is the sent file plus a signature that is
    intact and covers the whole answer.
    """

    name = "remote"

    def __init__(self, url: str, *, token: str = "", timeout: float = 30.0):
        if not url:
            raise SigningError(
                "DOCUMENT_SIGNING_BACKEND=remote 需要设置 DOCUMENT_SEAL_SERVICE_URL（电子印章服务地址）。"
            )
        if not url.startswith(("http://", "https://")):
            raise SigningError(f"DOCUMENT_SEAL_SERVICE_URL 必须是 http:// 或 https:// 地址，而不是 {url}。")
        self.url, self.token, self.timeout = url, token, timeout

    def sign(self, pdf: bytes, *, placement: SealPlacement | None, reason: str, number: str) -> SignedPdf:
        headers = {
            "Content-Type": "application/pdf",
            "Accept": "application/pdf",
            "X-Document-Number": number.encode().decode("latin-1"),
            "X-Signature-Reason": reason.encode().decode("latin-1"),
        }
        if placement is not None:
            headers["X-Seal-Page"] = str(placement.page)
            headers["X-Seal-Box"] = ",".join(f"{v:.2f}" for v in placement.box)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=pdf, headers=headers, method="POST")  # noqa: S310 (http[s] only)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                sealed = response.read()
        except urllib.error.HTTPError as error:
            body = error.read(500).decode("utf-8", "replace")
            if error.code >= 500:
                raise OSError(f"电子印章服务暂不可用（HTTP {error.code}）：{body}") from error
            raise SigningError(f"电子印章服务拒绝签章（HTTP {error.code}）：{body}") from error
        if not sealed.startswith(pdf):
            raise SigningError("电子印章服务返回的文件不是在原文件后追加签章（原内容被改动），已拒收。")
        check = check_signature(sealed)
        if not (check.intact and check.covers_whole_file):
            raise SigningError(f"电子印章服务返回的文件签章无效：{check.message}")
        return SignedPdf(data=sealed, signer=check.signer)


# --- The configured signer ------------------------------------------------------------------------------------------

_signer_cache: dict[tuple, Signer] = {}


def signing_enabled() -> bool:
    return bool(getattr(settings, "DOCUMENT_SIGNING", False))


def configured_signer() -> Signer | None:
    """The signer of this process (cached: the key is read once), or None when signing is switched off."""
    if not signing_enabled():
        return None
    backend = settings.DOCUMENT_SIGNING_BACKEND
    key = (
        backend,
        str(settings.DOCUMENT_SIGNING_P12),
        settings.DOCUMENT_SIGNING_PASSWORD,
        settings.DOCUMENT_SEAL_SERVICE_URL,
    )
    if key not in _signer_cache:
        if backend == "remote":
            signer = RemoteSealSigner(settings.DOCUMENT_SEAL_SERVICE_URL, token=settings.DOCUMENT_SEAL_SERVICE_TOKEN)
        elif backend == "pyhanko":
            signer = PyHankoSigner(
                settings.DOCUMENT_SIGNING_P12,
                settings.DOCUMENT_SIGNING_PASSWORD,
                location=settings.DOCUMENT_SIGNING_LOCATION,
            )
        else:
            raise SigningError(f"未知的 DOCUMENT_SIGNING_BACKEND：{backend}（可选 pyhanko 或 remote）。")
        _signer_cache.clear()
        _signer_cache[key] = signer
    return _signer_cache[key]


# --- Checking a signed file -----------------------------------------------------------------------------------------


def common_name(certificate) -> str:
    """The subject's CN (or the whole subject) of a ``cryptography`` or ``asn1crypto`` certificate."""
    if hasattr(certificate, "subject") and hasattr(certificate.subject, "get_attributes_for_oid"):
        from cryptography.x509.oid import NameOID

        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return names[0].value if names else certificate.subject.rfc4514_string()
    native = certificate.subject.native
    return native.get("common_name") or certificate.subject.human_friendly


def trust_roots() -> list:
    """Certificates a document's signer may chain to: the CA certificates in the configured PKCS#12 file and any
    in DOCUMENT_SIGNING_TRUST_ROOTS (PEM files, e.g. the provincial seal platform's root)."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    roots = []
    p12 = getattr(settings, "DOCUMENT_SIGNING_P12", "")
    if p12 and Path(p12).is_file():
        try:
            _key, certificate, extra = load_pkcs12(p12, settings.DOCUMENT_SIGNING_PASSWORD)
        except SigningError:
            extra, certificate = [], None
        for cert in [*extra, *([certificate] if certificate is not None else [])]:
            roots.append(asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)))
    for path in getattr(settings, "DOCUMENT_SIGNING_TRUST_ROOTS", []):
        data = Path(path).read_bytes()
        blobs = [der for _t, _h, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        roots.extend(asn1_x509.Certificate.load(der) for der in blobs)
    return roots


@dataclass(frozen=True)
class SignatureCheck:
    """What the verification page says about a file's signature."""

    state: str  # "valid", "altered", "untrusted", "unsigned", "unreadable"
    message: str
    signer: str = ""
    signed_at: datetime | None = None
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False

    @property
    def valid(self) -> bool:
        return self.state == "valid"


def check_signature(data: bytes) -> SignatureCheck:
    """Validate the last signature of a PDF: intact, made by a trusted certificate, covering the whole file."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        return SignatureCheck("unreadable", f"文件无法作为 PDF 读取，已损坏或被篡改（{error}）。")
    if not signatures:
        return SignatureCheck("unsigned", "文件中没有电子签章。")
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    embedded = signatures[-1]
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        return SignatureCheck("altered", f"签章无法验证，文件已被修改或损坏（{error}）。")
    signer = common_name(status.signing_cert) if status.signing_cert is not None else ""
    signed_at = status.signer_reported_dt
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    common = {"signer": signer, "signed_at": signed_at, "intact": status.intact, "trusted": status.trusted}
    if not (status.intact and status.valid):
        return SignatureCheck("altered", "签章校验失败：签章后文件内容被修改过。", covers_whole_file=whole, **common)
    if not whole:
        return SignatureCheck(
            "altered",
            "签章本身完好，但签章之后文件又被追加修改，当前内容不是签章时的文件。",
            covers_whole_file=False,
            **common,
        )
    if not status.trusted:
        return SignatureCheck(
            "untrusted", "签章完好，但签章证书不是本平台信任的发文机关证书。", covers_whole_file=True, **common
        )
    return SignatureCheck("valid", "签章有效：文件自签章后未被修改，签章证书可信。", covers_whole_file=True, **common)
