"""The hub's domain logic: members, services, rights, subjects and codes, history (no HTTP, no commit)."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.problems import FieldError, Problem
from tenohira.hub import repository as repo
from tenohira.hub.models import AccessRight, Member, Service
from tenohira.hub.pki import MemberCA, cert_pem, serial_hex
from tenohira.hub.problems import HubRefusal

MEMBER_STATUSES = ("active", "suspended", "revoked")
LOG_MODES = ("full-digest", "metadata-only")
ROLES = ("register-subjects", "link-cards", "resolve-cards", "read-history")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_ID = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")


def _invalid(field: str, message: str, message_ja: str) -> Problem:
    return Problem(
        status=422,
        slug="invalid-input",
        title="Invalid input",
        title_ja="入力内容に誤りがあります",
        detail=f"{field}: {message}",
        detail_ja=f"{field}: {message_ja}",
        errors=[FieldError(field, message, message_ja)],
    )


def _not_found(what: str, what_ja: str) -> Problem:
    return Problem(
        status=404, slug="not-found", title=f"{what} not found", title_ja=f"{what_ja}が見つかりません"
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- members ---------------------------------------------------------------------------


async def register_member(
    session: AsyncSession,
    ca: MemberCA,
    *,
    member_id: str,
    name: str,
    public_key: ec.EllipticCurvePublicKey,
    base_url: str | None = None,
    roles: Sequence[str] = (),
    log_mode: str = "full-digest",
    now: datetime | None = None,
) -> Member:
    """Register a member (or re-key an existing one): certify its key with the member CA."""
    now = now or now_utc()
    if not _ID.match(member_id):
        raise _invalid(
            "id", "lower-case letters, digits and '-', 2-63 chars", "英小文字・数字・ハイフン（2〜63文字）"
        )
    if log_mode not in LOG_MODES:
        raise _invalid("log_mode", f"one of {', '.join(LOG_MODES)}", f"{'、'.join(LOG_MODES)} のいずれか")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise _invalid("roles", f"unknown roles {unknown}", f"不明な役割 {unknown}")
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise _invalid("public_key", "an EC P-256 key is required", "EC P-256 の鍵が必要です")
    cert = ca.issue(member_id, name, public_key, now)
    member = await repo.get_member(session, member_id)
    if member is None:
        member = Member(id=member_id, created_at=now, status="active")
        session.add(member)
    elif member.status == "revoked":
        raise Problem(
            status=409,
            slug="hub-member-revoked",
            title="A revoked member cannot be registered again",
            title_ja="失効したメンバーは再登録できません",
        )
    member.name = name
    member.base_url = base_url.rstrip("/") if base_url else None
    member.roles = list(roles)
    member.log_mode = log_mode
    member.certificate_pem = cert_pem(cert).decode()
    member.certificate_serial = serial_hex(cert)
    member.certificate_not_after = cert.not_valid_after_utc
    member.updated_at = now
    await session.flush()
    return member


async def set_member_status(
    session: AsyncSession, member_id: str, status: str, reason: str | None = None
) -> Member:
    """Suspend, resume or revoke a member. Revocation is final."""
    if status not in MEMBER_STATUSES:
        raise _invalid("status", f"one of {MEMBER_STATUSES}", f"{MEMBER_STATUSES} のいずれか")
    member = await repo.get_member(session, member_id)
    if member is None:
        raise _not_found("Member", "メンバー")
    if member.status == "revoked" and status != "revoked":
        raise Problem(
            status=409,
            slug="hub-member-revoked",
            title="A revoked member cannot be reactivated",
            title_ja="失効したメンバーは再開できません",
        )
    member.status = status
    member.status_reason = reason
    member.updated_at = now_utc()
    await session.flush()
    return member


async def set_log_mode(session: AsyncSession, member_id: str, log_mode: str) -> Member:
    if log_mode not in LOG_MODES:
        raise _invalid("log_mode", f"one of {', '.join(LOG_MODES)}", f"{'、'.join(LOG_MODES)} のいずれか")
    member = await repo.get_member(session, member_id)
    if member is None:
        raise _not_found("Member", "メンバー")
    member.log_mode = log_mode
    member.updated_at = now_utc()
    await session.flush()
    return member


# --- services and rights ---------------------------------------------------------------


async def publish_service(
    session: AsyncSession,
    *,
    provider_id: str,
    name: str,
    method: str,
    path: str,
    legal_basis: str,
    description: str = "",
    openapi: dict[str, Any] | None = None,
    reveals_third_party: bool = False,
) -> Service:
    """Publish (or update) a service of ``provider_id``; its id is ``<provider>.<name>``."""
    method = method.upper()
    if method not in METHODS:
        raise _invalid("method", f"one of {METHODS}", f"{METHODS} のいずれか")
    if not _ID.match(name):
        raise _invalid("name", "lower-case letters, digits and '-'", "英小文字・数字・ハイフン")
    if not path.startswith("/"):
        raise _invalid("path", "must start with /", "/ で始めてください")
    provider = await repo.get_member(session, provider_id)
    if provider is None:
        raise _not_found("Provider member", "提供メンバー")
    service_id = f"{provider_id}.{name}"
    service = await repo.get_service(session, service_id)
    if service is None:
        service = Service(id=service_id, provider_id=provider_id, name=name, created_at=now_utc())
        session.add(service)
    service.method = method
    service.path = path
    service.legal_basis = legal_basis
    service.description = description
    service.openapi = openapi or {}
    service.reveals_third_party = reveals_third_party
    await session.flush()
    return service


async def grant(
    session: AsyncSession,
    *,
    client_id: str,
    service_id: str,
    purpose: str,
    legal_basis: str,
    reveals_third_party: bool = False,
) -> AccessRight:
    """Allow ``client_id`` to call ``service_id`` for ``purpose`` (idempotent; re-grants a revoked right)."""
    if not _PURPOSE.match(purpose):
        raise _invalid("purpose", "lower-case letters, digits and '-'", "英小文字・数字・ハイフン")
    if await repo.get_member(session, client_id) is None:
        raise _not_found("Client member", "利用メンバー")
    if await repo.get_service(session, service_id) is None:
        raise _not_found("Service", "サービス")
    right = await repo.find_right(session, client_id, service_id, purpose)
    if right is None:
        right = AccessRight(client_id=client_id, service_id=service_id, purpose=purpose)
        session.add(right)
    right.legal_basis = legal_basis
    right.reveals_third_party = reveals_third_party
    right.granted_at = now_utc()
    right.revoked_at = None
    await session.flush()
    return right


async def revoke_right(session: AsyncSession, right_id: int) -> AccessRight:
    right = await repo.get_right(session, right_id)
    if right is None:
        raise _not_found("Access right", "アクセス権")
    right.revoked_at = now_utc()
    await session.flush()
    return right


# --- subjects and agency codes -----------------------------------------------------------


def new_code() -> str:
    """A fresh agency code: 130 random bits, so codes of one person at two members are unlinkable.

    Base32 letters (a-z, 2-7) rather than hex: a long run of decimal digits could look like an
    individual number to the audit log's guard.
    """
    return base64.b32encode(secrets.token_bytes(17)).decode().rstrip("=").lower()[:26]


async def register_subject(session: AsyncSession, member_id: str, now: datetime | None = None) -> str:
    """A new person, known so far only to ``member_id``; returns the member's code."""
    now = now or now_utc()
    subject_id = secrets.token_hex(16)
    await repo.add_subject(session, subject_id, member_id, now)
    code = new_code()
    await repo.add_code(session, member_id, code, subject_id, now)
    return code


async def subject_for_code(session: AsyncSession, member_id: str, code: str) -> str:
    """The subject a member's code names; refuses (without detail) when unknown."""
    subject_id = await repo.subject_of(session, member_id, code)
    if subject_id is None:
        raise HubRefusal.of("hub-unknown-subject")
    return subject_id


async def code_for(session: AsyncSession, member_id: str, subject_id: str) -> str:
    """``member_id``'s code for the subject, minted on first need (random, never derived)."""
    code = await repo.code_of(session, member_id, subject_id)
    if code is not None:
        return code
    code = new_code()
    try:
        async with session.begin_nested():
            await repo.add_code(session, member_id, code, subject_id, now_utc())
    except IntegrityError:
        # another exchange minted it at the same moment
        existing = await repo.code_of(session, member_id, subject_id)
        if existing is None:
            raise
        return existing
    return code


async def link_card(session: AsyncSession, member_id: str, code: str, card_serial: str) -> None:
    """Link a card's authentication certificate serial to the person ``code`` names."""
    subject_id = await subject_for_code(session, member_id, code)
    link = await repo.get_card_link(session, card_serial)
    if link is not None and link.subject_id != subject_id:
        raise Problem(
            status=409,
            slug="hub-card-linked",
            title="The card is linked to someone else",
            title_ja="このカードは別の方に紐付いています",
        )
    if link is None:
        from tenohira.hub.models import CardLink

        session.add(
            CardLink(card_serial=card_serial, subject_id=subject_id, linked_by=member_id, linked_at=now_utc())
        )
    else:
        link.revoked_at = None
    await session.flush()


async def unlink_card(session: AsyncSession, card_serial: str) -> None:
    """Mark a card link revoked (the card was revoked); resolving it is then refused."""
    link = await repo.get_card_link(session, card_serial)
    if link is not None:
        link.revoked_at = now_utc()
        await session.flush()


async def resolve_card(session: AsyncSession, member_id: str, card_serial: str) -> str:
    """``member_id``'s code for the holder of an authenticated card (minted on first need)."""
    link = await repo.get_card_link(session, card_serial)
    if link is None or link.revoked_at is not None:
        raise HubRefusal.of("hub-unknown-subject")
    return await code_for(session, member_id, link.subject_id)


# --- introduction tickets: how a member learns its code for a person another member knows ---


@dataclass(frozen=True)
class TicketKey:
    """AES-GCM key that seals introduction tickets (stateless, expiring, addressed to one member)."""

    key: bytes

    def seal(self, subject_id: str, for_member: str, expires_at: datetime) -> str:
        nonce = secrets.token_bytes(12)
        payload = json.dumps({"s": subject_id, "m": for_member, "e": int(expires_at.timestamp())}).encode()
        sealed = AESGCM(self.key).encrypt(nonce, payload, b"tenohira-hub-ticket")
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, ticket: str, member_id: str, now: datetime | None = None) -> str:
        now = now or now_utc()
        try:
            raw = base64.urlsafe_b64decode(ticket + "=" * (-len(ticket) % 4))
            data = json.loads(AESGCM(self.key).decrypt(raw[:12], raw[12:], b"tenohira-hub-ticket"))
        except Exception as exc:
            raise HubRefusal.of("hub-unknown-subject") from exc
        if data["m"] != member_id or data["e"] < now.timestamp():
            raise HubRefusal.of("hub-unknown-subject")
        return str(data["s"])


async def introduce(
    session: AsyncSession,
    ticket_key: TicketKey,
    member_id: str,
    code: str,
    for_member: str,
    ttl_hours: int = 72,
) -> tuple[str, datetime]:
    """A ticket by which ``for_member`` can obtain its own code for the person ``code`` names.

    The introducing member never learns the other's code, and the ticket names no one.
    """
    subject_id = await subject_for_code(session, member_id, code)
    if await repo.get_member(session, for_member) is None:
        raise _not_found("Member", "メンバー")
    expires = now_utc() + timedelta(hours=ttl_hours)
    return ticket_key.seal(subject_id, for_member, expires), expires


async def redeem(session: AsyncSession, ticket_key: TicketKey, member_id: str, ticket: str) -> str:
    """The redeeming member's code for the person the ticket introduces."""
    return await code_for(session, member_id, ticket_key.open(ticket, member_id))


# --- access history ------------------------------------------------------------------------


def history_entry(
    *,
    exchange_id: str,
    subject_id: str,
    at: datetime,
    client_id: str,
    provider_id: str,
    service_id: str,
    purpose: str,
    legal_basis: str,
    status: int,
    third_party: bool,
) -> dict[str, Any]:
    """An access-history row (a plain mapping: the exchange path inserts these in batches)."""
    return {
        "exchange_id": exchange_id,
        "subject_id": subject_id,
        "at": at,
        "client_id": client_id,
        "provider_id": provider_id,
        "service_id": service_id,
        "purpose": purpose,
        "legal_basis": legal_basis,
        "outcome": "answered" if status < 400 else "error",
        "status": status,
        "third_party": third_party,
    }


async def history(
    session: AsyncSession, member_id: str, code: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The access history of the person ``member_id`` (the palm) knows as ``code``.

    Entries marked ``third_party`` would reveal someone else's private affairs (e.g. who
    else lives in the household): the palm shows only when and under which law for them.
    """
    subject_id = await subject_for_code(session, member_id, code)
    members = {m.id: m.name for m in await repo.list_members(session)}
    out: list[dict[str, Any]] = []
    for e in await repo.history_for(session, subject_id, limit=limit, offset=offset):
        entry: dict[str, Any] = {
            "exchange_id": e.exchange_id,
            "at": aware(e.at).isoformat(),
            "client": e.client_id,
            "client_name": members.get(e.client_id, e.client_id),
            "provider": e.provider_id,
            "provider_name": members.get(e.provider_id, e.provider_id),
            "service": e.service_id,
            "purpose": e.purpose,
            "legal_basis": e.legal_basis,
            "outcome": e.outcome,
            "status": e.status,
            "third_party": e.third_party,
        }
        out.append(entry)
    return out


async def purge_history(session: AsyncSession, retention_days: int, now: datetime | None = None) -> int:
    """Delete access-history entries older than the retention period; return how many."""
    before = (now or now_utc()) - timedelta(days=retention_days)
    return await repo.purge_history(session, before)


def subject_vault_id(subject_id: str) -> str:
    """The vault person id under which the hub keys digests of exchanges about ``subject_id``
    (``tenohira vault shred hub-subject:<id>`` makes them unlinkable)."""
    return f"hub-subject:{subject_id}"
