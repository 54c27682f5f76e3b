"""The certificate authority of the cards: a root CA and an issuing CA, RSA-2048 as on real JPKI cards.

Keys live on disk under ``<data_dir>/ca/`` as encrypted PKCS#8 (PBES2, AES-256-CBC). The
passphrase is ``settings.ca_passphrase`` or, when unset, a random one generated once into
``<data_dir>/ca/passphrase`` with mode 0600. Certificates are plain PEM next to the keys.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tenohira.core.config import Settings

CA_DIRNAME = "ca"
ROOT_KEY = "root-ca.key.pem"
ROOT_CERT = "root-ca.pem"
ISSUING_KEY = "issuing-ca.key.pem"
ISSUING_CERT = "issuing-ca.pem"
PASSPHRASE_FILE = "passphrase"  # noqa: S105 (a file name)

# The name under /pki/crl/<name>.crl of the CRL the issuing CA publishes for card certificates.
ISSUING_CRL_NAME = "issuing-ca"
# The root CA's CRL covers the issuing CA itself (empty unless the issuing CA is ever revoked).
ROOT_CRL_NAME = "root-ca"

ROOT_VALIDITY = timedelta(days=20 * 365)
ISSUING_VALIDITY = timedelta(days=12 * 365)
RSA_BITS = 2048


class CANotInitialised(RuntimeError):
    """The CA files are missing: run ``tenohira ca init`` (or ``tenohira init``)."""


@dataclass(frozen=True)
class CertificateAuthority:
    """Loaded CA material. Private keys are held only in this process's memory."""

    root_cert: x509.Certificate
    root_key: rsa.RSAPrivateKey
    issuing_cert: x509.Certificate
    issuing_key: rsa.RSAPrivateKey
    directory: Path

    def chain_pem(self) -> bytes:
        """Issuing CA then root CA, PEM: what ``openssl verify -CAfile`` needs."""
        return self.issuing_cert.public_bytes(serialization.Encoding.PEM) + self.root_cert.public_bytes(
            serialization.Encoding.PEM
        )


def ca_dir(settings: Settings) -> Path:
    """Where the CA's files live."""
    return settings.data_dir / CA_DIRNAME


def crl_url(settings: Settings, name: str = ISSUING_CRL_NAME) -> str:
    """The public URL of a CRL, as named in the certificates' CRL Distribution Points."""
    return f"{settings.resolved_base_url}/pki/crl/{name}.crl"


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the first byte; never world-readable even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def passphrase(settings: Settings, *, create: bool = False) -> bytes:
    """The passphrase of the CA keys: from settings, else from the 0600 file (created on demand)."""
    if settings.ca_passphrase:
        return settings.ca_passphrase.encode()
    path = ca_dir(settings) / PASSPHRASE_FILE
    if path.exists():
        return path.read_bytes().strip()
    if not create:
        raise CANotInitialised(f"no CA passphrase at {path}; run `tenohira ca init`")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32).encode()
    _write_private(path, value + b"\n")
    return value


def _name(common_name: str, settings: Settings) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME, f"tenohira JPKI demo ({settings.municipality_name_en})"
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    signing_key: rsa.RSAPrivateKey,
    issuer_public_key: rsa.RSAPublicKey,
    path_length: int,
    not_before: datetime,
    validity: timedelta,
    crl: str | None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key), critical=False)
    )
    if crl:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl)], None, None, None)]
            ),
            critical=False,
        )
    return builder.sign(signing_key, hashes.SHA256())


def _encrypted(key: rsa.RSAPrivateKey, secret: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )


_lock = threading.Lock()
_cache: dict[tuple[Path, bytes], CertificateAuthority] = {}
# Fast path for hot code (every login): the same settings give the same CA without touching disk.
_by_settings: dict[tuple[str, str | None], CertificateAuthority] = {}


def init_ca(settings: Settings, *, now: datetime | None = None) -> tuple[CertificateAuthority, bool]:
    """Create the root and issuing CA if missing (idempotent); return the CA and whether it was created."""
    directory = ca_dir(settings)
    with _lock:
        if (directory / ISSUING_CERT).exists() and (directory / ROOT_CERT).exists():
            return _load_locked(settings), False
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        secret = passphrase(settings, create=True)
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        root_name = _name("tenohira Root CA", settings)
        issuing_name = _name("tenohira Card Issuing CA", settings)
        root = _ca_certificate(
            subject=root_name,
            issuer=root_name,
            public_key=root_key.public_key(),
            signing_key=root_key,
            issuer_public_key=root_key.public_key(),
            path_length=1,
            not_before=now - timedelta(minutes=5),
            validity=ROOT_VALIDITY,
            crl=None,
        )
        issuing = _ca_certificate(
            subject=issuing_name,
            issuer=root_name,
            public_key=issuing_key.public_key(),
            signing_key=root_key,
            issuer_public_key=root_key.public_key(),
            path_length=0,
            not_before=now - timedelta(minutes=5),
            validity=ISSUING_VALIDITY,
            crl=crl_url(settings, ROOT_CRL_NAME),
        )
        # Keys first, certificates last: a CA directory with both certificates is complete.
        _write_private(directory / ROOT_KEY, _encrypted(root_key, secret))
        _write_private(directory / ISSUING_KEY, _encrypted(issuing_key, secret))
        (directory / ROOT_CERT).write_bytes(root.public_bytes(serialization.Encoding.PEM))
        (directory / ISSUING_CERT).write_bytes(issuing.public_bytes(serialization.Encoding.PEM))
        ca = CertificateAuthority(root, root_key, issuing, issuing_key, directory)
        _cache[(directory.resolve(), secret)] = ca
        return ca, True


def _load_locked(settings: Settings) -> CertificateAuthority:
    directory = ca_dir(settings)
    if not (directory / ISSUING_CERT).exists():
        raise CANotInitialised(f"no CA at {directory}; run `tenohira ca init`")
    secret = passphrase(settings)
    key = (directory.resolve(), secret)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    root_cert = x509.load_pem_x509_certificate((directory / ROOT_CERT).read_bytes())
    issuing_cert = x509.load_pem_x509_certificate((directory / ISSUING_CERT).read_bytes())
    root_key = serialization.load_pem_private_key((directory / ROOT_KEY).read_bytes(), secret)
    issuing_key = serialization.load_pem_private_key((directory / ISSUING_KEY).read_bytes(), secret)
    if not isinstance(root_key, rsa.RSAPrivateKey) or not isinstance(issuing_key, rsa.RSAPrivateKey):
        raise CANotInitialised("CA keys are not RSA keys")
    # A key that does not belong to its certificate means the files were mixed up or replaced.
    if root_key.public_key().public_numbers() != root_cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise CANotInitialised("root CA key does not match its certificate")
    if issuing_key.public_key().public_numbers() != issuing_cert.public_key().public_numbers():  # type: ignore[union-attr]
        raise CANotInitialised("issuing CA key does not match its certificate")
    ca = CertificateAuthority(root_cert, root_key, issuing_cert, issuing_key, directory)
    _cache[key] = ca
    return ca


def ensure_ca(settings: Settings) -> None:
    """Make sure the CA exists (what ``tenohira ca init`` does to the files)."""
    init_ca(settings)


def load_ca(settings: Settings) -> CertificateAuthority:
    """The CA of these settings, decrypted once per process; :class:`CANotInitialised` if missing."""
    fast = (str(settings.data_dir), settings.ca_passphrase)
    ca = _by_settings.get(fast)
    # Still valid only while the slow cache holds it (tests and key rotation clear that cache).
    if ca is not None and any(v is ca for v in _cache.values()):
        return ca
    with _lock:
        ca = _load_locked(settings)
        _by_settings[fast] = ca
        return ca


def build_crl(
    ca: CertificateAuthority,
    revoked: list[tuple[int, datetime, x509.ReasonFlags]],
    *,
    number: int,
    now: datetime,
    lifetime: timedelta,
    root: bool = False,
) -> x509.CertificateRevocationList:
    """A CRL signed by the issuing CA (or the root, for the issuing CA's own status)."""
    issuer_cert, issuer_key = (ca.root_cert, ca.root_key) if root else (ca.issuing_cert, ca.issuing_key)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now)
        .next_update(now + lifetime)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    for serial, when, reason in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(reason), critical=False)
            .build()
        )
    return builder.sign(issuer_key, hashes.SHA256())
