"""Tables of identity: issued certificates (no personal facts), challenges, sessions, CRLs.

Certificates are recorded by serial, kind and validity only. The signing certificate carries
the four basic facts, so its bytes stay on the card (and with whoever the resident gives a
signature to); the platform keeps a SHA-256 fingerprint to recognise it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

__all__ = [
    "Base",
    "CardCertificate",
    "CertificateRevocationList",
    "Challenge",
    "LoginSession",
    "Passkey",
    "PasskeyChallenge",
]


class CardCertificate(Base):
    """One certificate of one card: ``kind`` is "auth" (利用者証明用) or "sign" (署名用)."""

    __tablename__ = "identity_certificates"

    serial: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    card_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    holder_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    fingerprint_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)


class Challenge(Base):
    """A single-use login challenge: consumed (``used_at``) by the first login that presents it."""

    __tablename__ = "identity_challenges"

    id: Mapped[str] = mapped_column(sa.String(43), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(43))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class LoginSession(Base):
    """A session opened by card authentication (``method`` "card") or by a passkey bound to a
    card (``method`` "passkey", AAL2-like: not enough for signing or high assurance).
    Only the SHA-256 of its token is stored."""

    __tablename__ = "identity_sessions"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    card_serial: Mapped[str] = mapped_column(sa.String(64), index=True)
    holder_ref: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    via: Mapped[str] = mapped_column(sa.String(8))
    method: Mapped[str] = mapped_column(sa.String(8), default="card", server_default="card")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class CertificateRevocationList(Base):
    """Every CRL the issuing CA published, newest = highest number (RFC 5280 cRLNumber)."""

    __tablename__ = "identity_crls"
    __table_args__ = (sa.UniqueConstraint("name", "number"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    number: Mapped[int] = mapped_column(sa.Integer)
    this_update: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    next_update: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    der: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Passkey(Base):
    """A WebAuthn credential a resident enrolled after a card login; bound to that card's
    authentication certificate (``card_serial``): revoking the card revokes its passkeys."""

    __tablename__ = "identity_passkeys"

    id: Mapped[str] = mapped_column(sa.String(1400), primary_key=True)  # credential id, base64url
    holder_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    card_serial: Mapped[str] = mapped_column(sa.String(64), index=True)
    user_handle: Mapped[str] = mapped_column(sa.String(128))  # base64url
    public_key: Mapped[str] = mapped_column(sa.Text)  # COSE_Key, base64url
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    aaguid: Mapped[str] = mapped_column(sa.String(36))
    backed_up: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # a synced passkey
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)


class PasskeyChallenge(Base):
    """A single-use WebAuthn challenge: ``purpose`` "register" (tied to the card session that
    asked for it) or "login"."""

    __tablename__ = "identity_passkey_challenges"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # the challenge, base64url
    purpose: Mapped[str] = mapped_column(sa.String(8))
    session_id: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
