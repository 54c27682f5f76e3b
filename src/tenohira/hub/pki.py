"""The hub's member CA and member credentials (ECDSA P-256 keys, X.509 certificates).

The member CA is the hub's own, separate from the card CA of identity: it certifies
agency systems, not people. Files:

- ``data_dir/hub/member-ca.key`` (encrypted with the CA passphrase) and ``member-ca.pem``
- ``data_dir/hub/hub.key`` / ``hub.pem``: the hub's own signing key, certified by the CA
- ``data_dir/members/<id>/key.pem``, ``cert.pem``, ``hub.pem``, ``member-ca.pem``: what a
  member needs to call the hub and to check what the hub sends it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tenohira.core.config import Settings

HUB_MEMBER_ID = "hub"
CA_YEARS = 10
MEMBER_YEARS = 2


def hub_dir(settings: Settings) -> Path:
    return settings.data_dir / "hub"


def member_dir(settings: Settings, member_id: str) -> Path:
    """Where bootstrap keeps an in-process member's key and certificates."""
    return settings.data_dir / "members" / member_id


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def ca_passphrase(settings: Settings) -> bytes:
    """The passphrase protecting the member CA key: from settings, else generated once into data_dir."""
    if settings.ca_passphrase:
        return settings.ca_passphrase.encode()
    path = hub_dir(settings) / "ca-passphrase"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32).encode())
    return path.read_bytes().strip()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_key(path: Path, passphrase: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return key


def load_cert(data: bytes | str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(data.encode() if isinstance(data, str) else data)


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def public_key(cert: x509.Certificate) -> ec.EllipticCurvePublicKey:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("member certificates carry EC P-256 keys")
    return key


@dataclass
class MemberCA:
    """The CA that certifies members."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(cls, settings: Settings, now: datetime | None = None) -> MemberCA:
        now = now or datetime.now(UTC)
        key = new_key()
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tenohira"),
                x509.NameAttribute(NameOID.COMMON_NAME, "tenohira hub member CA"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        directory = hub_dir(settings)
        _write_private(directory / "member-ca.key", key_pem(key, ca_passphrase(settings)))
        (directory / "member-ca.pem").write_bytes(cert_pem(cert))
        return cls(key, cert)

    @classmethod
    def load(cls, settings: Settings) -> MemberCA:
        directory = hub_dir(settings)
        key = load_key(directory / "member-ca.key", ca_passphrase(settings))
        return cls(key, load_cert((directory / "member-ca.pem").read_bytes()))

    @classmethod
    def exists(cls, settings: Settings) -> bool:
        return (hub_dir(settings) / "member-ca.pem").exists()

    def issue(
        self,
        member_id: str,
        name: str,
        member_public_key: ec.EllipticCurvePublicKey,
        now: datetime | None = None,
        years: int = MEMBER_YEARS,
    ) -> x509.Certificate:
        """A member certificate: CN = member id, O = member name, URI SAN urn:tenohira:member:<id>."""
        now = now or datetime.now(UTC)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64]),
                x509.NameAttribute(NameOID.COMMON_NAME, member_id),
            ]
        )
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(member_public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
            )
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.UniformResourceIdentifier(f"urn:tenohira:member:{member_id}")]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.certificate.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )


def verify_issued_by(cert: x509.Certificate, ca: x509.Certificate, now: datetime | None = None) -> None:
    """Raise ValueError unless ``cert`` was issued by ``ca`` and is valid at ``now``."""
    now = now or datetime.now(UTC)
    try:
        cert.verify_directly_issued_by(ca)
    except Exception as exc:
        raise ValueError("certificate not issued by the member CA") from exc
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise ValueError("certificate not valid now")


@dataclass
class MemberCredentials:
    """A member's own key and certificate, with the hub's certificate and the member CA."""

    member_id: str
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    hub_certificate: x509.Certificate
    member_ca: x509.Certificate

    @classmethod
    def load(cls, directory: Path) -> MemberCredentials:
        """Read ``key.pem``, ``cert.pem``, ``hub.pem`` and ``member-ca.pem`` from ``directory``."""
        cert = load_cert((directory / "cert.pem").read_bytes())
        member_id = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        return cls(
            member_id=str(member_id),
            private_key=load_key(directory / "key.pem"),
            certificate=cert,
            hub_certificate=load_cert((directory / "hub.pem").read_bytes()),
            member_ca=load_cert((directory / "member-ca.pem").read_bytes()),
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        _write_private(directory / "key.pem", key_pem(self.private_key))
        (directory / "cert.pem").write_bytes(cert_pem(self.certificate))
        (directory / "hub.pem").write_bytes(cert_pem(self.hub_certificate))
        (directory / "member-ca.pem").write_bytes(cert_pem(self.member_ca))


def load_member_credentials(settings: Settings, member_id: str) -> MemberCredentials:
    """The credentials bootstrap stored for the in-process member ``member_id``."""
    return MemberCredentials.load(member_dir(settings, member_id))


def load_hub_credentials(settings: Settings) -> MemberCredentials:
    """The hub's own signing key and certificate."""
    directory = hub_dir(settings)
    ca = load_cert((directory / "member-ca.pem").read_bytes())
    cert = load_cert((directory / "hub.pem").read_bytes())
    return MemberCredentials(HUB_MEMBER_ID, load_key(directory / "hub.key"), cert, cert, ca)
