"""Identity logic: issue and revoke cards, publish CRLs, challenges, login and sessions.

No HTTP and no commit here: callers own the unit of work. Every card event is written to the
transparency log in the same transaction as the action.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event, note_refusal
from tenohira.core.config import Settings, get_settings
from tenohira.core.problems import FieldError, Problem
from tenohira.identity import repository
from tenohira.identity.ca import (
    ISSUING_CRL_NAME,
    ROOT_CRL_NAME,
    CertificateAuthority,
    build_crl,
    crl_url,
    load_ca,
)
from tenohira.identity.card import Secret, check_password_format, check_pin_format, write_card_dir
from tenohira.identity.certificates import (
    BasicFacts,
    fingerprint,
    issue_certificate,
    serial_hex,
    validity_end,
)
from tenohira.identity.errors import Refused
from tenohira.identity.models import CardCertificate, CertificateRevocationList, Challenge, LoginSession
from tenohira.identity.trust import TrustStore, load_certificate, verify_raw_signature

CHALLENGE_PREFIX = b"tenohira-auth-v1"
CHALLENGE_RETENTION = timedelta(hours=1)
ISSUING_CRL_LIFETIME = timedelta(days=1)
ROOT_CRL_LIFETIME = timedelta(days=30)
# A CRL is re-signed when less than this is left, so a fetched CRL stays usable for a while.
CRL_REFRESH_MARGIN = timedelta(hours=6)

RevocationReason = Literal["lost", "facts-changed", "returned"]
REVOCATION_REASONS: dict[str, x509.ReasonFlags] = {
    # lost or stolen: the key may be in someone else's hands
    "lost": x509.ReasonFlags.key_compromise,
    # one of the four facts changed: RFC 5280's affiliationChanged ("name or other information
    # modified, no cause to suspect compromise"); only the signing certificate carries facts
    "facts-changed": x509.ReasonFlags.affiliation_changed,
    # the card was returned (moved abroad, died, replaced)
    "returned": x509.ReasonFlags.cessation_of_operation,
}

_DIGIT_RUN = re.compile(r"[0-9]{12}")


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; they are stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _card_serial() -> int:
    # A serial whose hex form holds twelve digits in a row could be mistaken for an individual
    # number (個人番号) by the audit log's guard, so such serials are never used.
    while True:
        serial = x509.random_serial_number()
        if not _DIGIT_RUN.search(format(serial, "X")):
            return serial


def _random_ref(nbytes: int) -> str:
    """A random hex reference (card id, session id) that the audit log will never take for a 個人番号."""
    while True:
        ref = secrets.token_hex(nbytes)
        if not _DIGIT_RUN.search(ref):
            return ref


# -- issuance ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCard:
    """What issuance produced: serials (upper-case hex), the card directory and the validity end."""

    card_id: str
    auth_serial: str
    sign_serial: str
    out_dir: Path
    not_after: datetime


async def issue_card(
    session: AsyncSession,
    *,
    holder_ref: str,
    facts: BasicFacts,
    pin: str,
    password: str,
    out_dir: Path,
    now: datetime | None = None,
    actor: str = "card-issuer",
    settings: Settings | None = None,
) -> IssuedCard:
    """Issue a card: two RSA-2048 key pairs, two certificates, and the card directory at ``out_dir``.

    ``holder_ref`` is the issuing municipality's own reference for the person (opaque here).
    The PIN (4 digits) protects the authentication key, the password (6–16 of A–Z, 0–9) the
    signing key. Both certificates are valid until the fifth birthday after issue.
    """
    settings = settings or get_settings()
    check_pin_format(pin)
    check_password_format(password)
    if (out_dir / "card.json").exists():
        raise Problem(
            status=409,
            slug="card-dir-exists",
            title="A card already exists there",
            title_ja="指定先にはすでにカードがあります",
            detail=f"{out_dir} already holds a card; choose another directory.",
            detail_ja=f"{out_dir} にはすでにカードがあります。別の場所を指定してください。",
            errors=[FieldError("out_dir", "a card already exists here", "すでにカードがあります")],
        )
    now = _now(now).replace(microsecond=0)
    ca = load_ca(settings)
    not_after = validity_end(facts.birth_date, now)
    auth_key, sign_key = await asyncio.gather(
        asyncio.to_thread(rsa.generate_private_key, 65537, 2048),
        asyncio.to_thread(rsa.generate_private_key, 65537, 2048),
    )
    url = crl_url(settings)
    auth_cert = issue_certificate(
        ca,
        kind="auth",
        public_key=auth_key.public_key(),
        facts=None,
        serial=_card_serial(),
        not_before=now,
        not_after=not_after,
        crl_url=url,
    )
    sign_cert = issue_certificate(
        ca,
        kind="sign",
        public_key=sign_key.public_key(),
        facts=facts,
        serial=_card_serial(),
        not_before=now,
        not_after=not_after,
        crl_url=url,
    )
    card_id = _random_ref(8)
    auth_serial, sign_serial = serial_hex(auth_cert), serial_hex(sign_cert)
    await repository.add(
        session,
        *(
            CardCertificate(
                serial=serial_hex(cert),
                card_id=card_id,
                kind=kind,
                holder_ref=holder_ref,
                fingerprint_sha256=fingerprint(cert),
                issued_at=now,
                not_after=not_after,
            )
            for kind, cert in (("auth", auth_cert), ("sign", sign_cert))
        ),
    )
    await append_event(
        session,
        type="card:issued",
        actor=actor,
        subject=auth_serial,
        payload=auth_cert.public_bytes(serialization.Encoding.DER),
        attributes={"card_id": card_id, "sign_serial": sign_serial, "not_after": not_after.isoformat()},
    )
    # Files last: if anything above fails, no card exists that the database does not know.
    await asyncio.to_thread(
        write_card_dir,
        out_dir,
        auth_cert=auth_cert,
        auth_key=auth_key,
        sign_cert=sign_cert,
        sign_key=sign_key,
        chain_pem=ca.chain_pem(),
        pin=pin,
        password=password,
        meta={
            "card_id": card_id,
            "auth_serial": auth_serial,
            "sign_serial": sign_serial,
            "issued_at": now.isoformat(),
            "not_after": not_after.isoformat(),
        },
    )
    return IssuedCard(card_id, auth_serial, sign_serial, out_dir, not_after)


# -- status and revocation ---------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateStatus:
    """One certificate as the issuer records it."""

    serial: str
    card_id: str
    kind: str
    holder_ref: str
    issued_at: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: str | None

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``revoked`` or ``expired``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if _now(now) > self.not_after else "active"


def _status(row: CardCertificate) -> CertificateStatus:
    return CertificateStatus(
        row.serial,
        row.card_id,
        row.kind,
        row.holder_ref,
        _aware(row.issued_at),
        _aware(row.not_after),
        _aware(row.revoked_at) if row.revoked_at else None,
        row.revocation_reason,
    )


def _card_not_found(what: str) -> Problem:
    return Problem(
        status=404,
        slug="card-not-found",
        title="No such card",
        title_ja="該当するカードがありません",
        detail=f"No card certificate matches {what}.",
        detail_ja="該当する電子証明書がありません。",
    )


async def card_status(
    session: AsyncSession, *, serial: str | None = None, holder_ref: str | None = None
) -> list[CertificateStatus]:
    """The certificates of the card with ``serial`` (either of its two), or of every card of a holder."""
    if serial:
        row = await repository.certificate(session, serial.upper())
        return (
            [_status(r) for r in await repository.certificates_of_card(session, row.card_id)] if row else []
        )
    if holder_ref:
        return [_status(r) for r in await repository.certificates_of_holder(session, holder_ref)]
    raise ValueError("give serial or holder_ref")


async def revoke_card(
    session: AsyncSession,
    *,
    serial: str | None = None,
    holder_ref: str | None = None,
    reason: str,
    now: datetime | None = None,
    actor: str = "card-issuer",
    settings: Settings | None = None,
) -> list[str]:
    """Revoke a card (by either certificate's serial) or every card of a holder; return revoked serials.

    ``reason``: ``lost`` (both certificates), ``facts-changed`` (only the signing certificate,
    the one that carries the facts) or ``returned`` (both). Sessions opened with a revoked
    authentication certificate end at once, and a new CRL is published in the same transaction.
    """
    reason = reason.strip().lower().replace("_", "-")
    if reason not in REVOCATION_REASONS:
        raise Problem(
            status=422,
            slug="invalid-revocation-reason",
            title="Invalid revocation reason",
            title_ja="失効理由が正しくありません",
            detail=f"reason must be one of {', '.join(REVOCATION_REASONS)}",
            detail_ja="失効理由は lost（紛失）、facts-changed（基本4情報の変更）、returned（返納）のいずれかです。",  # noqa: E501
            errors=[FieldError("reason", "unknown reason", "失効理由が正しくありません")],
        )
    now = _now(now)
    if serial:
        row = await repository.certificate(session, serial.upper())
        if row is None:
            raise _card_not_found(f"serial {serial}")
        rows = list(await repository.certificates_of_card(session, row.card_id))
    elif holder_ref:
        rows = list(await repository.certificates_of_holder(session, holder_ref))
        if not rows:
            raise _card_not_found("this holder")
    else:
        raise ValueError("give serial or holder_ref")
    targets = [
        r
        for r in rows
        if r.revoked_at is None
        and (reason != "facts-changed" or r.kind == "sign")
        and _aware(r.not_after) > now
    ]
    serials = [r.serial for r in targets]
    if not serials:
        return []
    await repository.mark_revoked(session, serials, now=now, reason=reason)
    auth_serials = [r.serial for r in targets if r.kind == "auth"]
    await repository.end_sessions_of_card(session, auth_serials, now)
    await repository.revoke_passkeys_of_card(session, auth_serials, now=now, reason=reason)
    for row in targets:
        await append_event(
            session,
            type="card:revoked",
            actor=actor,
            subject=row.serial,
            attributes={"reason": reason, "kind": row.kind, "card_id": row.card_id},
        )
    await session.flush()
    await publish_crl(session, now=now, settings=settings)
    return serials


# -- CRLs --------------------------------------------------------------------------------------


async def publish_crl(
    session: AsyncSession,
    *,
    name: str = ISSUING_CRL_NAME,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> CertificateRevocationList:
    """Sign and store a new CRL (the issuing CA's for card certificates, or the root's)."""
    settings = settings or get_settings()
    now = _now(now).replace(microsecond=0)
    ca = load_ca(settings)
    latest = await repository.latest_crl(session, name)
    number = (latest.number + 1) if latest else 1
    if name == ROOT_CRL_NAME:
        crl = build_crl(ca, [], number=number, now=now, lifetime=ROOT_CRL_LIFETIME, root=True)
    elif name == ISSUING_CRL_NAME:
        revoked = [
            (
                int(r.serial, 16),
                _aware(r.revoked_at or now),
                REVOCATION_REASONS.get(r.revocation_reason or "", x509.ReasonFlags.unspecified),
            )
            for r in await repository.revoked_for_crl(session, now)
        ]
        crl = build_crl(ca, revoked, number=number, now=now, lifetime=ISSUING_CRL_LIFETIME)
    else:
        raise KeyError(name)
    row = CertificateRevocationList(
        name=name,
        number=number,
        this_update=now,
        next_update=crl.next_update_utc or now,
        der=crl.public_bytes(serialization.Encoding.DER),
    )
    await repository.add(session, row)
    return row


async def current_crl(
    session: AsyncSession, name: str, *, now: datetime | None = None, settings: Settings | None = None
) -> CertificateRevocationList:
    """The newest CRL under ``name``, re-signed first if it is missing or close to its nextUpdate."""
    now = _now(now)
    latest = await repository.latest_crl(session, name)
    if latest is None or _aware(latest.next_update) - now < CRL_REFRESH_MARGIN:
        return await publish_crl(session, name=name, now=now, settings=settings)
    return latest


# -- challenges and login ----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class IssuedChallenge:
    """A challenge for the card to sign: ``challenge`` are the exact bytes to sign."""

    id: str
    challenge: bytes
    expires_at: datetime


def _audience(settings: Settings) -> bytes:
    return settings.resolved_base_url.encode()


def challenge_bytes(settings: Settings, challenge_id: str, nonce: str) -> bytes:
    """The bytes a card signs: format tag, audience (this server's base URL), id and nonce."""
    return b"|".join([CHALLENGE_PREFIX, _audience(settings), challenge_id.encode(), nonce.encode()])


async def issue_challenge(
    session: AsyncSession, *, now: datetime | None = None, settings: Settings | None = None
) -> IssuedChallenge:
    """A fresh single-use challenge, valid for ``settings.auth_challenge_ttl_seconds``."""
    settings = settings or get_settings()
    now = _now(now)
    challenge_id, nonce = _b64(secrets.token_bytes(32)), _b64(secrets.token_bytes(32))
    expires = now + timedelta(seconds=settings.auth_challenge_ttl_seconds)
    # Challenges long past their lifetime are useless (a replay of one is refused as unknown,
    # which is as good as expired), so each new challenge clears them out: no background job.
    await repository.delete_old_challenges(session, now - CHALLENGE_RETENTION)
    await repository.add(session, Challenge(id=challenge_id, nonce=nonce, created_at=now, expires_at=expires))
    return IssuedChallenge(challenge_id, challenge_bytes(settings, challenge_id, nonce), expires)


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a session opened with a card's authentication certificate."""

    session_id: str
    card_serial: str
    holder_ref: str | None
    via: Literal["cookie", "bearer"]
    created_at: datetime
    expires_at: datetime
    # "card" (the card's authentication key and PIN, AAL3-like) or "passkey" (a passkey bound to
    # the card, AAL2-like: signing and high-assurance steps need the card again)
    method: Literal["card", "passkey"] = "card"


@dataclass(frozen=True)
class LoginResult:
    """A new session and its token (shown once; only its hash is stored)."""

    principal: Principal
    token: str


_trust_cache: dict[int, TrustStore] = {}


def platform_trust(ca: CertificateAuthority) -> TrustStore:
    """The trust store of the platform itself: its own CA (revocation is read from the database)."""
    store = _trust_cache.get(id(ca))
    if store is None:
        store = _trust_cache[id(ca)] = TrustStore([ca.root_cert], [ca.issuing_cert])
    return store


def _parse_challenge(settings: Settings, challenge: bytes) -> tuple[str, bytes]:
    parts = challenge.split(b"|")
    if len(parts) != 4 or parts[0] != CHALLENGE_PREFIX:
        raise Refused("challenge-unknown")
    if parts[1] != _audience(settings):
        raise Refused("challenge-foreign")
    return parts[2].decode("ascii", "replace"), parts[3]


@dataclass(frozen=True)
class CardRecord:
    """What the issuer recorded about an authentication certificate that logged in."""

    serial: str
    holder_ref: str
    not_after: datetime


async def verify_login(
    session: AsyncSession,
    *,
    challenge: bytes,
    signature: bytes,
    certificate: bytes | str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> tuple[str, CardRecord]:
    """Check a signed challenge without consuming it; return the challenge id and the card record.

    Checks, in order: certificate readable; challenge ours, for this audience, unused and fresh;
    chain to our root; validity; an authentication certificate; on record and not revoked;
    signature over the challenge. Raises :class:`Refused` with the first reason found.
    """
    settings = settings or get_settings()
    now = _now(now)
    cert = load_certificate(certificate)
    challenge_id, nonce = _parse_challenge(settings, challenge)
    serial = serial_hex(cert)
    # One round trip for both facts the database holds (the challenge and the certificate record).
    row = await repository.login_lookup(session, challenge_id, serial)
    if row.nonce is None or not secrets.compare_digest(row.nonce.encode(), nonce):
        raise Refused("challenge-unknown")
    if row.used_at is not None:
        raise Refused("challenge-replayed", challenge_id=challenge_id)
    if row.expires_at is None or now >= _aware(row.expires_at):
        raise Refused("challenge-expired", challenge_id=challenge_id)
    platform_trust(load_ca(settings)).verify_chain(cert, now=now, kind="auth", check_revocation=False)
    if (
        row.serial is None
        or row.holder_ref is None
        or row.not_after is None
        or (row.fingerprint_sha256 != fingerprint(cert))
    ):
        raise Refused(
            "certificate-untrusted", detail="The certificate is not on the issuer's record.", serial=serial
        )
    if row.revoked_at is not None:
        raise Refused("certificate-revoked", serial=serial)
    verify_raw_signature(cert, signature, challenge)
    return challenge_id, CardRecord(row.serial, row.holder_ref, _aware(row.not_after))


def hash_token(token: str) -> str:
    """SHA-256 of a session token (what the database keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def login(
    session: AsyncSession,
    *,
    challenge: bytes,
    signature: bytes,
    certificate: bytes | str,
    via: Literal["cookie", "bearer"] = "cookie",
    now: datetime | None = None,
    settings: Settings | None = None,
) -> LoginResult:
    """Verify a signed challenge (see :func:`verify_login`), consume it and open a session."""
    settings = settings or get_settings()
    now = _now(now)
    challenge_id, record = await verify_login(
        session, challenge=challenge, signature=signature, certificate=certificate, now=now, settings=settings
    )
    if not await repository.consume_challenge(session, challenge_id, now):
        # Another login with the same challenge won the race.
        raise Refused("challenge-replayed", challenge_id=challenge_id)
    token = secrets.token_urlsafe(32)
    expires = min(now + timedelta(minutes=settings.session_ttl_minutes), _aware(record.not_after))
    row = LoginSession(
        id=_random_ref(16),
        token_hash=hash_token(token),
        card_serial=record.serial,
        holder_ref=record.holder_ref,
        via=via,
        created_at=now,
        expires_at=expires,
        last_seen_at=now,
    )
    await repository.add(session, row)
    await append_event(
        session,
        type="card:auth:success",
        actor=record.serial,
        subject=row.id,
        payload=challenge,
        attributes={"via": via},
    )
    principal = Principal(row.id, record.serial, record.holder_ref, via, now, expires)
    return LoginResult(principal, token)


async def _issued_serial(session: AsyncSession, certificate: bytes | str | None) -> str | None:
    """The serial of ``certificate`` if the issuer has it on record (same fingerprint), else None."""
    if not certificate:
        return None
    try:
        cert = load_certificate(certificate)
    except Refused:
        return None
    row = await repository.certificate(session, serial_hex(cert))
    return row.serial if row is not None and row.fingerprint_sha256 == fingerprint(cert) else None


async def record_auth_failure(
    session: AsyncSession,
    refused: Refused,
    *,
    challenge: bytes | None,
    certificate: bytes | str | None,
    source: str | None = None,
    now: datetime | None = None,
) -> None:
    """Log a refused login, and burn its challenge so that a refused attempt cannot be retried.

    A refusal about a card we issued is an entry of its own; one with a certificate the issuer
    never issued (anybody can send those) is only counted per source and minute
    (:func:`tenohira.audit.note_refusal`), so that strangers cannot grow the log. ``source`` is
    the client's address.
    """
    now = _now(now)
    challenge_id = refused.context.get("challenge_id")
    if challenge_id is None and challenge:
        parts = challenge.split(b"|")
        if len(parts) == 4 and parts[0] == CHALLENGE_PREFIX:
            challenge_id = parts[2].decode("ascii", "replace")
    if challenge_id:
        await repository.consume_challenge(session, str(challenge_id), now)
    serial = await _issued_serial(session, certificate)
    if serial is None:
        note_refusal("card:auth:failure", source, refused.reason)
        return
    await append_event(
        session,
        type="card:auth:failure",
        actor=serial,
        payload=challenge,
        attributes={"reason": refused.reason},
    )


async def record_lockout(
    session: AsyncSession,
    *,
    certificate: bytes | str,
    secret: Secret,
    reported_by: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """Log that a card's PIN or password locked (reported by the holder's app or the counter).

    Only certificates of this CA are accepted, so the log cannot be filled with noise.
    Returns the serial.
    """
    settings = settings or get_settings()
    cert = load_certificate(certificate)
    platform_trust(load_ca(settings)).verify_chain(cert, now=_now(now), check_revocation=False)
    serial = serial_hex(cert)
    await append_event(
        session,
        type="card:lockout",
        actor=reported_by,
        subject=serial,
        attributes={"secret": secret},
    )
    return serial


async def record_unlock(
    session: AsyncSession, *, serial: str, secret: Secret, actor: str = "municipality-counter"
) -> None:
    """Log that the counter unlocked a card's PIN or password after checking the holder in person."""
    await append_event(
        session, type="card:unlock", actor=actor, subject=serial, attributes={"secret": secret}
    )


# -- sessions ----------------------------------------------------------------------------------

# last_seen_at is written at most this often, so that reading pages does not write on each request.
_TOUCH_INTERVAL = timedelta(seconds=30)


async def principal_for_token(
    session: AsyncSession, token: str, *, now: datetime | None = None, settings: Settings | None = None
) -> Principal | None:
    """The principal of a live session (not ended, not expired, not idle too long), else None."""
    settings = settings or get_settings()
    now = _now(now)
    row = await repository.session_by_token_hash(session, hash_token(token))
    if row is None or row.ended_at is not None:
        return None
    idle_limit = timedelta(minutes=settings.session_idle_minutes)
    if now >= _aware(row.expires_at) or now - _aware(row.last_seen_at) > idle_limit:
        return None
    if now - _aware(row.last_seen_at) > _TOUCH_INTERVAL:
        row.last_seen_at = now
    via: Literal["cookie", "bearer"] = "bearer" if row.via == "bearer" else "cookie"
    method: Literal["card", "passkey"] = "passkey" if row.method == "passkey" else "card"
    return Principal(
        row.id,
        row.card_serial,
        row.holder_ref,
        via,
        _aware(row.created_at),
        _aware(row.expires_at),
        method,
    )


async def logout(session: AsyncSession, token: str, *, now: datetime | None = None) -> bool:
    """End the session of ``token``; False if there was no open one."""
    row = await repository.session_by_token_hash(session, hash_token(token))
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = _now(now)
    await append_event(session, type="card:logout", actor=row.card_serial, subject=row.id)
    return True


async def current_trust(session: AsyncSession, *, settings: Settings | None = None) -> TrustStore:
    """The platform's own trust store with the current issuing CRL: what an in-process verifier
    (the OpenID Provider) checks card signatures against, revocation included."""
    settings = settings or get_settings()
    ca = load_ca(settings)
    crl = await current_crl(session, ISSUING_CRL_NAME, settings=settings)
    store = TrustStore([ca.root_cert], [ca.issuing_cert])
    store.add_crl(crl.der)
    return store
