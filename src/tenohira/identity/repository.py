"""Every query of identity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.identity.models import (
    CardCertificate,
    CertificateRevocationList,
    Challenge,
    LoginSession,
    Passkey,
)


async def add(session: AsyncSession, *rows: object) -> None:
    """Stage new rows and flush them (so that constraint errors surface here)."""
    session.add_all(rows)
    await session.flush()


async def certificate(session: AsyncSession, serial: str) -> CardCertificate | None:
    """The certificate with this serial (upper-case hex)."""
    return await session.get(CardCertificate, serial)


async def certificates_of_card(session: AsyncSession, card_id: str) -> Sequence[CardCertificate]:
    """Both certificates of a card."""
    rows = await session.scalars(
        sa.select(CardCertificate).where(CardCertificate.card_id == card_id).order_by(CardCertificate.kind)
    )
    return rows.all()


async def certificates_of_holder(session: AsyncSession, holder_ref: str) -> Sequence[CardCertificate]:
    """Every certificate ever issued to a holder, oldest first."""
    rows = await session.scalars(
        sa.select(CardCertificate)
        .where(CardCertificate.holder_ref == holder_ref)
        .order_by(CardCertificate.issued_at, CardCertificate.kind)
    )
    return rows.all()


async def revoked_for_crl(session: AsyncSession, now: datetime) -> Sequence[CardCertificate]:
    """Revoked certificates still within their validity (expired ones leave the CRL, RFC 5280 §3.3)."""
    rows = await session.scalars(
        sa.select(CardCertificate)
        .where(CardCertificate.revoked_at.is_not(None), CardCertificate.not_after >= now)
        .order_by(CardCertificate.revoked_at)
    )
    return rows.all()


async def mark_revoked(session: AsyncSession, serials: Sequence[str], *, now: datetime, reason: str) -> None:
    """Record the revocation of still-active certificates."""
    await session.execute(
        sa.update(CardCertificate)
        .where(CardCertificate.serial.in_(serials), CardCertificate.revoked_at.is_(None))
        .values(revoked_at=now, revocation_reason=reason)
    )


async def challenge(session: AsyncSession, challenge_id: str) -> Challenge | None:
    """A login challenge by id."""
    return await session.get(Challenge, challenge_id)


class LoginLookup(NamedTuple):
    """A challenge and a certificate record; every field is None where the row does not exist."""

    nonce: str | None
    used_at: datetime | None
    expires_at: datetime | None
    serial: str | None
    fingerprint_sha256: str | None
    holder_ref: str | None
    revoked_at: datetime | None
    not_after: datetime | None


async def login_lookup(session: AsyncSession, challenge_id: str, serial: str) -> LoginLookup:
    """The challenge and the certificate record of one login, in one query (NULLs where unknown)."""
    one = sa.select(sa.literal(1).label("one")).subquery()
    stmt = (
        sa.select(
            Challenge.nonce,
            Challenge.used_at,
            Challenge.expires_at,
            CardCertificate.serial,
            CardCertificate.fingerprint_sha256,
            CardCertificate.holder_ref,
            CardCertificate.revoked_at,
            CardCertificate.not_after,
        )
        .select_from(one)
        .outerjoin(Challenge, Challenge.id == challenge_id)
        .outerjoin(CardCertificate, CardCertificate.serial == serial)
    )
    return LoginLookup(*(await session.execute(stmt)).one())


async def consume_challenge(session: AsyncSession, challenge_id: str, now: datetime) -> bool:
    """Mark a challenge used; False if it was already used (the atomic guard against replay)."""
    result = await session.execute(
        sa.update(Challenge)
        .where(Challenge.id == challenge_id, Challenge.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def delete_old_challenges(session: AsyncSession, before: datetime) -> int:
    """Forget challenges that expired before ``before``."""
    result = await session.execute(sa.delete(Challenge).where(Challenge.expires_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


async def session_by_token_hash(session: AsyncSession, token_hash: str) -> LoginSession | None:
    """The login session whose token hashes to ``token_hash``."""
    return await session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == token_hash))


async def end_sessions_of_card(session: AsyncSession, card_serials: Sequence[str], now: datetime) -> None:
    """End every open session opened with one of these authentication certificates."""
    await session.execute(
        sa.update(LoginSession)
        .where(LoginSession.card_serial.in_(card_serials), LoginSession.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )


async def revoke_passkeys_of_card(
    session: AsyncSession, card_serials: Sequence[str], *, now: datetime, reason: str
) -> None:
    """Revoke every passkey bound to one of these authentication certificates."""
    if not card_serials:
        return
    await session.execute(
        sa.update(Passkey)
        .where(Passkey.card_serial.in_(card_serials), Passkey.revoked_at.is_(None))
        .values(revoked_at=now, revocation_reason="card-" + reason)
        .execution_options(synchronize_session=False)
    )


async def latest_crl(session: AsyncSession, name: str) -> CertificateRevocationList | None:
    """The newest CRL published under ``name``."""
    return await session.scalar(
        sa.select(CertificateRevocationList)
        .where(CertificateRevocationList.name == name)
        .order_by(CertificateRevocationList.number.desc())
        .limit(1)
    )
