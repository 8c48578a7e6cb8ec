"""A demonstration CA and signing certificate for ``make run`` and the tests (never for real documents).

A real deployment gets its certificate from a CA its readers trust and sets DOCUMENT_SIGNING_P12 to it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class DemoCertificate:
    p12: Path
    ca_pem: Path
    password: str


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "浙江省"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "湖州市"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_demo_ca(
    directory: Path,
    *,
    organ: str,
    password: str,
    name: str = "demo-signer",
    not_before: datetime | None = None,
    valid_for: timedelta = timedelta(days=3 * 365),
) -> DemoCertificate:
    """Write ``<name>-ca.pem`` (the demo root) and ``<name>.p12`` (the organ's key, certificate and the root)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    start = not_before or now - timedelta(days=1)
    ca_key, signer_key = _key(), _key()
    ca_name = _name("湖州工匠资助平台演示根证书（仅供演示）", "湖州工匠资助平台演示CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organ}（演示）", organ))
        .issuer_name(ca_name)
        .public_key(signer_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(signer_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = directory / f"{name}-ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    p12 = directory / f"{name}.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            name.encode(), signer_key, signer, [ca], serialization.BestAvailableEncryption(password.encode())
        )
    )
    p12.chmod(0o600)
    return DemoCertificate(p12=p12, ca_pem=ca_pem, password=password)
