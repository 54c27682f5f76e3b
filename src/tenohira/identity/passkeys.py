"""Passkeys (WebAuthn) bound to the My Number card, for daily, lower-assurance login.

A resident enrols a passkey only from a session opened with the card itself, soon after the
card login (:data:`ENROL_WITHIN`). The passkey is bound to that card's authentication
certificate: when the card is revoked (lost, returned) its passkeys are revoked with it (a
change of the four facts revokes only the signing certificate, so passkeys survive it, as the
利用者証明用電子証明書 does). A passkey session has ``method`` "passkey" (AAL2-like): signing and
high-assurance (acr ``aal3``) steps still need the card.

Verification is the ``webauthn`` library's (duo-labs py_webauthn): origin, RP ID hash,
challenge, user presence and verification, the signature with the stored public key, and the
signature counter (a counter that goes back is refused: the credential may be cloned).
Attestation "none" is accepted: the card, not the authenticator's maker, is the trust anchor.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core.config import Settings, get_settings
from tenohira.identity.errors import Refused
from tenohira.identity.models import CardCertificate, LoginSession, Passkey, PasskeyChallenge

__all__ = [
    "CHALLENGE_TTL",
    "ENROL_WITHIN",
    "PasskeyInfo",
    "authentication_options",
    "login",
    "passkeys_of",
    "register",
    "registration_options",
    "relying_party",
    "remove",
]

CHALLENGE_TTL = timedelta(minutes=5)
ENROL_WITHIN = timedelta(minutes=15)  # a passkey is added only this soon after a card login
RP_NAME = "手のひら (tenohira)"


@dataclass(frozen=True)
class PasskeyInfo:
    """A passkey as the resident's settings page shows it."""

    id: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    aaguid: str = ""  # the authenticator model (all zeros when it does not say)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def relying_party(settings: Settings) -> tuple[str, str]:
    """The WebAuthn RP ID (the host of the platform's base URL) and the expected origin."""
    origin = settings.resolved_base_url
    return urlsplit(origin).hostname or "localhost", origin


def _user_handle(holder_ref: str) -> bytes:
    # stable per resident (an authenticator keeps one discoverable credential per user handle),
    # opaque (no id of the resident leaves)
    return hashlib.sha256(b"tenohira-passkey-user:" + holder_ref.encode()).digest()[:16]


def _info(row: Passkey) -> PasskeyInfo:
    return PasskeyInfo(
        row.id,
        _aware(row.created_at),
        _aware(row.last_used_at) if row.last_used_at else None,
        row.backed_up,
        _aware(row.revoked_at) if row.revoked_at else None,
        row.revocation_reason,
        row.aaguid or "",
    )


async def _new_challenge(
    session: AsyncSession, purpose: Literal["register", "login"], session_id: str | None, now: datetime
) -> bytes:
    raw = secrets.token_bytes(32)
    from webauthn.helpers import bytes_to_base64url

    session.add(
        PasskeyChallenge(
            id=bytes_to_base64url(raw),
            purpose=purpose,
            session_id=session_id,
            created_at=now,
            expires_at=now + CHALLENGE_TTL,
        )
    )
    await session.flush()
    return raw


async def _take_challenge(
    session: AsyncSession,
    client_data: bytes,
    purpose: Literal["register", "login"],
    session_id: str | None,
    now: datetime,
) -> bytes:
    """The challenge the answer names, consumed (single use); refused if unknown, expired, used."""
    from webauthn.helpers import bytes_to_base64url, parse_client_data_json
    from webauthn.helpers.exceptions import InvalidJSONStructure

    try:
        challenge = parse_client_data_json(client_data).challenge
    except (InvalidJSONStructure, ValueError, KeyError) as exc:
        raise Refused("passkey-invalid", detail=f"clientDataJSON: {exc}") from exc
    key = bytes_to_base64url(challenge)
    row = await session.get(PasskeyChallenge, key)
    if row is None or row.purpose != purpose or (session_id is not None and row.session_id != session_id):
        raise Refused("passkey-challenge-unknown")
    if row.used_at is not None:
        raise Refused("passkey-challenge-replayed")
    if now >= _aware(row.expires_at):
        raise Refused("passkey-challenge-expired")
    taken = await session.execute(
        sa.update(PasskeyChallenge)
        .where(PasskeyChallenge.id == key, PasskeyChallenge.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 1) != 1:
        raise Refused("passkey-challenge-replayed")
    return challenge


async def _live_card(session: AsyncSession, serial: str, now: datetime) -> bool:
    row = await session.get(CardCertificate, serial)
    return row is not None and row.revoked_at is None and _aware(row.not_after) > now


async def registration_options(
    session: AsyncSession,
    *,
    session_id: str,
    card_serial: str,
    holder_ref: str | None,
    method: str,
    logged_in_at: datetime,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptions`` (JSON) for a card session, or Refused."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.cose import COSEAlgorithmIdentifier
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    settings = settings or get_settings()
    now = _now(now)
    if method != "card" or holder_ref is None or now - logged_in_at > ENROL_WITHIN:
        raise Refused("passkey-needs-card")
    if not await _live_card(session, card_serial, now):
        raise Refused("passkey-revoked")
    existing = await session.scalars(
        sa.select(Passkey.id).where(Passkey.holder_ref == holder_ref, Passkey.revoked_at.is_(None))
    )
    rp_id, _ = relying_party(settings)
    challenge = await _new_challenge(session, "register", session_id, now)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=_user_handle(holder_ref),
        user_name="tenohira",
        user_display_name="マイナンバーカードの持ち主 / My Number card holder",
        challenge=challenge,
        timeout=int(CHALLENGE_TTL.total_seconds() * 1000),
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(i)) for i in existing],
        supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.EDDSA],
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


async def register(
    session: AsyncSession,
    credential: dict[str, Any] | str,
    *,
    session_id: str,
    card_serial: str,
    holder_ref: str | None,
    method: str,
    logged_in_at: datetime,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> PasskeyInfo:
    """Verify the authenticator's answer to :func:`registration_options` and keep the passkey."""
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url, parse_registration_credential_json
    from webauthn.helpers.cose import COSEAlgorithmIdentifier
    from webauthn.helpers.exceptions import InvalidJSONStructure, InvalidRegistrationResponse

    settings = settings or get_settings()
    now = _now(now)
    if method != "card" or holder_ref is None or now - logged_in_at > ENROL_WITHIN:
        raise Refused("passkey-needs-card")
    try:
        parsed = parse_registration_credential_json(credential)
    except (InvalidJSONStructure, InvalidRegistrationResponse, ValueError) as exc:
        raise Refused("passkey-invalid", detail=f"registration response: {exc}") from exc
    challenge = await _take_challenge(session, parsed.response.client_data_json, "register", session_id, now)
    if not await _live_card(session, card_serial, now):
        raise Refused("passkey-revoked")
    rp_id, origin = relying_party(settings)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
            supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256, COSEAlgorithmIdentifier.EDDSA],
        )
    except InvalidRegistrationResponse as exc:
        raise Refused("passkey-invalid", detail=str(exc)) from exc
    cred_id = bytes_to_base64url(verified.credential_id)
    if await session.get(Passkey, cred_id) is not None:
        raise Refused("passkey-invalid", detail="this credential is already registered")
    row = Passkey(
        id=cred_id,
        holder_ref=holder_ref,
        card_serial=card_serial,
        user_handle=bytes_to_base64url(_user_handle(holder_ref)),
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        backed_up=verified.credential_backed_up,
        created_at=now,
    )
    session.add(row)
    await append_event(
        session,
        type="passkey:registered",
        actor=card_serial,
        subject=hashlib.sha256(cred_id.encode()).hexdigest()[:32],
        attributes={"session": session_id, "backed_up": str(verified.credential_backed_up).lower()},
    )
    await session.flush()
    return _info(row)


async def authentication_options(
    session: AsyncSession, *, now: datetime | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptions`` (JSON) for a passkey login (discoverable: no list)."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    settings = settings or get_settings()
    now = _now(now)
    rp_id, _ = relying_party(settings)
    challenge = await _new_challenge(session, "login", None, now)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=int(CHALLENGE_TTL.total_seconds() * 1000),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


@dataclass(frozen=True)
class PasskeyLogin:
    """A session opened with a passkey: its row (for the principal) and its token (shown once)."""

    session_row: LoginSession
    token: str


async def login(
    session: AsyncSession,
    credential: dict[str, Any] | str,
    *,
    via: Literal["cookie", "bearer"] = "cookie",
    now: datetime | None = None,
    settings: Settings | None = None,
) -> PasskeyLogin:
    """Verify a passkey assertion and open a session of ``method`` "passkey"."""
    from webauthn import verify_authentication_response
    from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json
    from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure

    from tenohira.identity import repository
    from tenohira.identity.service import hash_token

    settings = settings or get_settings()
    now = _now(now)
    try:
        parsed = parse_authentication_credential_json(credential)
    except (InvalidJSONStructure, InvalidAuthenticationResponse, ValueError) as exc:
        raise Refused("passkey-invalid", detail=f"authentication response: {exc}") from exc
    challenge = await _take_challenge(session, parsed.response.client_data_json, "login", None, now)
    row = await session.get(Passkey, bytes_to_base64url(parsed.raw_id))
    if row is None:
        raise Refused("passkey-unknown")
    if row.revoked_at is not None or not await _live_card(session, row.card_serial, now):
        raise Refused("passkey-revoked")
    handle = parsed.response.user_handle
    if handle is not None and bytes_to_base64url(handle) != row.user_handle:
        raise Refused("passkey-invalid", detail="the user handle is not the one of this passkey")
    rp_id, origin = relying_party(settings)
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=base64url_to_bytes(row.public_key),
            credential_current_sign_count=row.sign_count,
            require_user_verification=True,
        )
    except InvalidAuthenticationResponse as exc:
        if "sign count" in str(exc).lower():
            raise Refused("passkey-counter-regressed", detail=str(exc)) from exc
        raise Refused("passkey-invalid", detail=str(exc)) from exc
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    card = await session.get(CardCertificate, row.card_serial)
    assert card is not None
    token = secrets.token_urlsafe(32)
    expires = min(now + timedelta(minutes=settings.session_ttl_minutes), _aware(card.not_after))
    login_row = LoginSession(
        id=secrets.token_hex(16),
        token_hash=hash_token(token),
        card_serial=row.card_serial,
        holder_ref=row.holder_ref,
        via=via,
        method="passkey",
        created_at=now,
        expires_at=expires,
        last_seen_at=now,
    )
    await repository.add(session, login_row)
    await append_event(
        session,
        type="passkey:auth:success",
        actor=row.card_serial,
        subject=login_row.id,
        attributes={"via": via, "sign_count": str(verified.new_sign_count)},
    )
    return PasskeyLogin(login_row, token)


async def passkeys_of(session: AsyncSession, holder_ref: str) -> list[PasskeyInfo]:
    """The resident's passkeys, newest first (revoked ones too, with why)."""
    rows = await session.scalars(
        sa.select(Passkey).where(Passkey.holder_ref == holder_ref).order_by(Passkey.created_at.desc())
    )
    return [_info(r) for r in rows]


async def remove(
    session: AsyncSession, holder_ref: str, passkey_id: str, *, now: datetime | None = None
) -> bool:
    """The resident removes one of their passkeys; False if it is not theirs or already gone."""
    row = await session.get(Passkey, passkey_id)
    if row is None or row.holder_ref != holder_ref or row.revoked_at is not None:
        return False
    row.revoked_at = _now(now)
    row.revocation_reason = "removed"
    await append_event(
        session,
        type="passkey:removed",
        actor=row.card_serial,
        subject=hashlib.sha256(passkey_id.encode()).hexdigest()[:32],
    )
    return True
