"""The provider's keys, in the database: ES256 signing keys with rotation, and wrapped secrets.

Private keys are stored as encrypted PKCS#8 (PBES2, AES-256-CBC) like the CA's and the hub's
keys; the passphrase is ``settings.ca_passphrase`` or one generated once into
``<data_dir>/oidc/passphrase`` (0600). Secrets (the pairwise-subject key, the data key that
encrypts released facts) are random bytes wrapped with AES-256-GCM under a key derived from
the same passphrase, so that a copy of the database alone reveals neither.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import Settings
from tenohira.oidc.models import OidcKey

SIGNING_ALG = "ES256"
# A retired key stays published this long: longer than any token it signed lives.
RETIRED_KEY_PUBLISHED = timedelta(days=2)
PASSPHRASE_FILE = "passphrase"  # noqa: S105 (a file name)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def passphrase(settings: Settings) -> bytes:
    """The passphrase of the provider's keys at rest: settings, else a 0600 file made once."""
    if settings.ca_passphrase:
        return settings.ca_passphrase.encode()
    path = settings.data_dir / "oidc" / PASSPHRASE_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_urlsafe(32).encode())
    return path.read_bytes().strip()


def _wrapping_key(settings: Settings) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=b"tenohira-oidc", info=b"secret-wrapping").derive(
        passphrase(settings)
    )


@dataclass(frozen=True)
class SigningKey:
    """A usable signing key: its ``kid`` and the private JWK."""

    kid: str
    key: ECKey


_cache: dict[tuple[str, str], ECKey] = {}


def _load(row: OidcKey, settings: Settings) -> ECKey:
    cached = _cache.get((row.kid, row.private[:64]))
    if cached is None:
        private = serialization.load_pem_private_key(row.private.encode(), passphrase(settings))
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise ValueError(f"oidc key {row.kid} is not an EC key")
        cached = ECKey.import_key(private, {"kid": row.kid, "use": "sig", "alg": SIGNING_ALG})
        _cache[(row.kid, row.private[:64])] = cached
    return cached


async def _signing_rows(session: AsyncSession) -> list[OidcKey]:
    rows = await session.scalars(
        select(OidcKey).where(OidcKey.kind == "signing").order_by(OidcKey.created_at.desc())
    )
    return list(rows)


async def rotate(session: AsyncSession, settings: Settings, *, now: datetime | None = None) -> str:
    """Make a new signing key the active one; the previous active key is retired (still published)."""
    now = now or datetime.now(UTC)
    for row in await _signing_rows(session):
        if row.retired_at is None:
            row.retired_at = now
            row.remove_at = now + RETIRED_KEY_PUBLISHED
    private = ec.generate_private_key(ec.SECP256R1())
    public = ECKey.import_key(private.public_key())
    kid = public.thumbprint()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase(settings)),
    ).decode()
    jwk = {**public.as_dict(private=False), "kid": kid, "use": "sig", "alg": SIGNING_ALG}
    session.add(
        OidcKey(
            kid=kid, kind="signing", alg=SIGNING_ALG, private=pem, public_jwk=json.dumps(jwk), created_at=now
        )
    )
    await session.flush()
    return kid


async def active_key(session: AsyncSession, settings: Settings) -> SigningKey:
    """The key that signs now (made on first use)."""
    for row in await _signing_rows(session):
        if row.retired_at is None:
            return SigningKey(row.kid, _load(row, settings))
    await rotate(session, settings)
    return await active_key(session, settings)


async def published_jwks(session: AsyncSession, *, now: datetime | None = None) -> dict[str, object]:
    """The JWKS: the active key and the retired keys still within their publication period."""
    now = now or datetime.now(UTC)
    keys = [
        json.loads(row.public_jwk)
        for row in await _signing_rows(session)
        if row.public_jwk and (row.remove_at is None or _aware(row.remove_at) > now)
    ]
    return {"keys": keys}


async def verification_keys(session: AsyncSession) -> KeySet:
    """Every published public key, as a key set (to check the provider's own ID tokens)."""
    jwks = await published_jwks(session)
    return KeySet.import_key_set(jwks)  # type: ignore[arg-type]


_secrets: dict[tuple[str, str], bytes] = {}


async def secret(session: AsyncSession, settings: Settings, name: str) -> bytes:
    """A named 32-byte secret of the provider (made on first use), unwrapped.

    Kept in memory once unwrapped (they never change): the token endpoint needs two per request.
    """
    cache_key = (settings.resolved_database_url, name)
    if cache_key in _secrets:
        return _secrets[cache_key]
    value = await _load_secret(session, settings, name)
    _secrets[cache_key] = value
    return value


async def _load_secret(session: AsyncSession, settings: Settings, name: str) -> bytes:
    row = await session.get(OidcKey, f"secret:{name}")
    aes = AESGCM(_wrapping_key(settings))
    if row is None:
        value = secrets.token_bytes(32)
        nonce = secrets.token_bytes(12)
        wrapped = nonce + aes.encrypt(nonce, value, name.encode())
        row = OidcKey(
            kid=f"secret:{name}",
            kind="secret",
            alg="A256GCM",
            private=base64.b64encode(wrapped).decode(),
            created_at=datetime.now(UTC),
        )
        session.add(row)
        await session.flush()
        return value
    raw = base64.b64decode(row.private)
    return aes.decrypt(raw[:12], raw[12:], name.encode())


def seal(data_key: bytes, plaintext: bytes, context: str) -> str:
    """AES-256-GCM encrypt ``plaintext`` bound to ``context``; base64 of nonce + ciphertext."""
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + AESGCM(data_key).encrypt(nonce, plaintext, context.encode())).decode()


def unseal(data_key: bytes, sealed: str, context: str) -> bytes:
    """The inverse of :func:`seal`."""
    raw = base64.b64decode(sealed)
    return AESGCM(data_key).decrypt(raw[:12], raw[12:], context.encode())
