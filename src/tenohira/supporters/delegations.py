"""Roles, delegations and the supporters' action log (palm side).

Rules, checked every time a supporter acts (never only when the delegation was granted):

- a delegation covers only its procedures, in its mode (``read`` sees; ``file`` also prepares
  applications — the resident still signs them with the card), until it expires;
- the resident can revoke it at any time;
- it ends when the card that granted it is revoked (checked against identity's card status);
- it is suspended while the resident is under an address-protection measure (支援措置), asked
  of the municipality through the hub (``municipality.protection-status``); if the answer
  cannot be had, the supporter is refused (fail closed);
- anything refused answers the same 404 as something that does not exist.

Every action is written to ``supporters_actions`` (supporter and resident by reference, plus
the supporter's name as the resident knows it) and to the transparency log.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core.problems import FieldError, Problem
from tenohira.identity import card_status
from tenohira.procedures import load_catalogue
from tenohira.supporters.models import Delegation, HelpRequest, Role, SupporterAction

ROLES = ("staff", "supporter", "administrator")
MODES = ("read", "file")
MAX_DAYS = 366  # a delegation lasts at most a year; the resident grants it again after
ProtectionCheck = Callable[[str], Awaitable[bool]]


def not_found() -> Problem:
    """The one answer for anything a supporter or staff member may not see (no hint it exists)."""
    return Problem(status=404, slug="not-found", title="Not found", title_ja="見つかりません")


def _now(now: datetime | None = None) -> datetime:
    return now or datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(6).upper()


# --- roles ------------------------------------------------------------------------------------


async def register_role(
    session: AsyncSession,
    *,
    role: str,
    display_name: str,
    registered_by: str,
    palm_code: str | None = None,
    card_serial: str | None = None,
    organisation: str | None = None,
    now: datetime | None = None,
) -> Role:
    """Register a staff member, supporter or administrator (by palm code, or by card until first use)."""
    errors = []
    if role not in ROLES:
        errors.append(FieldError("role", "staff, supporter or administrator", "役割が正しくありません"))
    if not display_name.strip() or len(display_name) > 128:
        errors.append(FieldError("display_name", "a name of 1 to 128 characters", "氏名を入力してください"))
    if not (palm_code or card_serial):
        errors.append(FieldError("card_serial", "the person's card is needed", "本人のカードが必要です"))
    if errors:
        raise Problem(
            status=422,
            slug="invalid-role",
            title="Invalid registration",
            title_ja="登録内容が正しくありません",
            errors=errors,
        )
    row = Role(
        id=_id("P"),
        palm_code=palm_code,
        card_serial=card_serial.upper() if card_serial else None,
        role=role,
        display_name=display_name.strip(),
        organisation=organisation,
        registered_by=registered_by,
        created_at=_now(now),
        ended_at=None,
    )
    session.add(row)
    await session.flush()
    await append_event(
        session,
        type="supporters:role:registered",
        actor=registered_by,
        subject=row.id,
        attributes={"role": role},
    )
    return row


async def roles_of(session: AsyncSession, palm_code: str, card_serial: str | None = None) -> list[Role]:
    """The active roles of a person; a role registered by card is bound to the palm code here."""
    conditions = [Role.palm_code == palm_code]
    if card_serial:
        conditions.append(sa.and_(Role.palm_code.is_(None), Role.card_serial == card_serial.upper()))
    rows = list(await session.scalars(sa.select(Role).where(sa.or_(*conditions), Role.ended_at.is_(None))))
    for row in rows:
        if row.palm_code is None:
            row.palm_code = palm_code
    return rows


async def list_roles(session: AsyncSession, role: str | None = None) -> list[Role]:
    """Active roles (all, or of one kind), by name."""
    query = sa.select(Role).where(Role.ended_at.is_(None)).order_by(Role.display_name, Role.id)
    if role:
        query = query.where(Role.role == role)
    return list(await session.scalars(query))


async def end_role(session: AsyncSession, role_id: str, *, actor: str, now: datetime | None = None) -> Role:
    """End a role (the person keeps nothing: their delegations stop working with it)."""
    row = await session.get(Role, role_id)
    if row is None or row.ended_at is not None:
        raise not_found()
    row.ended_at = _now(now)
    await append_event(session, type="supporters:role:ended", actor=actor, subject=row.id)
    return row


# --- delegations ------------------------------------------------------------------------------


def _delegation_errors(
    procedures: list[str], mode: str, expires_at: datetime, now: datetime
) -> list[FieldError]:

    errors = []
    known = {p.id for p in load_catalogue().all()}
    if not procedures:
        errors.append(
            FieldError("procedures", "choose at least one procedure", "手続を1つ以上選んでください")
        )
    elif any(p not in known for p in procedures):
        errors.append(FieldError("procedures", "unknown procedure", "知らない手続が含まれています"))
    if mode not in MODES:
        errors.append(FieldError("mode", "read or file", "「見るだけ」か「代わりに準備」を選んでください"))
    if expires_at <= now:
        errors.append(
            FieldError("expires_at", "the expiry must be in the future", "期限は未来の日付にしてください")
        )
    elif expires_at > now + timedelta(days=MAX_DAYS):
        errors.append(FieldError("expires_at", "at most one year", "期限は1年以内にしてください"))
    return errors


async def grant_delegation(
    session: AsyncSession,
    *,
    resident_code: str,
    card_serial: str,
    supporter_id: str,
    procedures: list[str],
    mode: str,
    expires_at: datetime,
    now: datetime | None = None,
) -> Delegation:
    """The resident (logged in with ``card_serial``) lets a registered supporter help with ``procedures``."""
    now = _now(now)
    expires_at = _aware(expires_at)
    procedures = sorted(set(procedures))
    errors = _delegation_errors(procedures, mode, expires_at, now)
    supporter = await session.get(Role, supporter_id)
    if supporter is None or supporter.role != "supporter" or supporter.ended_at is not None:
        errors.append(FieldError("supporter", "not a registered supporter", "登録された支援員ではありません"))
    elif supporter.palm_code == resident_code:
        errors.append(
            FieldError("supporter", "you cannot delegate to yourself", "自分自身には任せられません")
        )
    if errors:
        raise Problem(
            status=422,
            slug="invalid-delegation",
            title="The delegation is not valid",
            title_ja="委任の内容が正しくありません",
            errors=errors,
        )
    row = Delegation(
        id=_id("D"),
        resident_code=resident_code,
        supporter_id=supporter_id,
        procedures=procedures,
        mode=mode,
        expires_at=expires_at,
        granted_card_serial=card_serial.upper(),
        state="active",
        end_reason=None,
        created_at=now,
        ended_at=None,
    )
    session.add(row)
    await session.flush()
    await append_event(
        session,
        type="supporters:delegation:granted",
        actor=resident_code,
        subject=row.id,
        attributes={"supporter": supporter_id, "mode": mode, "procedures": ",".join(procedures)[:200]},
    )
    return row


async def revoke_delegation(
    session: AsyncSession, resident_code: str, delegation_id: str, *, now: datetime | None = None
) -> Delegation:
    """The resident ends a delegation (only their own; anything else is 404)."""
    row = await session.get(Delegation, delegation_id)
    if row is None or row.resident_code != resident_code:
        raise not_found()
    if row.state == "active":
        _end(row, "revoked", "revoked-by-resident", now)
        await append_event(session, type="supporters:delegation:revoked", actor=resident_code, subject=row.id)
    return row


def _end(row: Delegation, state: str, reason: str, now: datetime | None = None) -> None:
    row.state = state
    row.end_reason = reason
    row.ended_at = _now(now)


async def delegations_of_resident(session: AsyncSession, resident_code: str) -> list[Delegation]:
    """Every delegation a resident granted, newest first."""
    return list(
        await session.scalars(
            sa.select(Delegation)
            .where(Delegation.resident_code == resident_code)
            .order_by(Delegation.created_at.desc(), Delegation.id)
        )
    )


async def delegations_of_supporter(session: AsyncSession, supporter_id: str) -> list[Delegation]:
    """The supporter's active delegations (before the use-time checks), newest first."""
    return list(
        await session.scalars(
            sa.select(Delegation)
            .where(Delegation.supporter_id == supporter_id, Delegation.state == "active")
            .order_by(Delegation.created_at.desc(), Delegation.id)
        )
    )


async def card_revoked(session: AsyncSession, serial: str) -> bool:
    """Whether any certificate of the card with ``serial`` is revoked (or the card is unknown)."""

    statuses = await card_status(session, serial=serial)
    return not statuses or any(s.revoked_at is not None for s in statuses)


async def end_delegations_of_card(session: AsyncSession, serial: str, *, now: datetime | None = None) -> int:
    """End every active delegation granted with a card (call on revocation; use-time checks also do it)."""
    rows = list(
        await session.scalars(
            sa.select(Delegation).where(
                Delegation.granted_card_serial == serial.upper(), Delegation.state == "active"
            )
        )
    )
    for row in rows:
        _end(row, "ended", "card-revoked", now)
        await append_event(
            session,
            type="supporters:delegation:ended",
            actor="identity",
            subject=row.id,
            attributes={"reason": "card-revoked"},
        )
    return len(rows)


@dataclass(frozen=True)
class Standing:
    """Why a delegation can or cannot be used now."""

    usable: bool
    reason: str  # ok | revoked | ended | expired | card-revoked | protected | protection-unknown


async def standing(
    session: AsyncSession, row: Delegation, *, protection: ProtectionCheck, now: datetime | None = None
) -> Standing:
    """Check a delegation at use time; expiry and a revoked card end it for good (recorded)."""
    now = _now(now)
    if row.state != "active":
        return Standing(False, row.end_reason or row.state)
    if _aware(row.expires_at) <= now:
        _end(row, "ended", "expired", now)
        await append_event(
            session,
            type="supporters:delegation:ended",
            actor="palm",
            subject=row.id,
            attributes={"reason": "expired"},
        )
        return Standing(False, "expired")
    if await card_revoked(session, row.granted_card_serial):
        await end_delegations_of_card(session, row.granted_card_serial, now=now)
        return Standing(False, "card-revoked")
    try:
        protected = await protection(row.resident_code)
    except Problem:
        return Standing(False, "protection-unknown")
    if protected:
        # suspended, not ended: it works again when the measure is lifted (the resident may revoke it)
        return Standing(False, "protected")
    return Standing(True, "ok")


async def find_usable(
    session: AsyncSession,
    supporter: Role,
    resident_code: str,
    *,
    procedure: str | None,
    need: str,
    protection: ProtectionCheck,
    now: datetime | None = None,
) -> Delegation | None:
    """The delegation that lets ``supporter`` do ``need`` (read | file) about ``procedure``, or None.

    Expired delegations and those of a revoked card are ended here (written in ``session``):
    let the unit of work commit, then answer 404 (:func:`not_found`) when this is None.
    """
    if supporter.role != "supporter" or supporter.ended_at is not None:
        return None
    rows = [
        r for r in await delegations_of_supporter(session, supporter.id) if r.resident_code == resident_code
    ]
    for row in rows:
        if procedure is not None and procedure not in row.procedures:
            continue
        if need == "file" and row.mode != "file":
            continue
        if (await standing(session, row, protection=protection, now=now)).usable:
            return row
    return None


# --- the action log -----------------------------------------------------------------------------


async def record_action(
    session: AsyncSession,
    actor: Role,
    resident_code: str,
    action: str,
    *,
    target: str | None = None,
    delegation_id: str | None = None,
    now: datetime | None = None,
) -> SupporterAction:
    """Record one supporter/staff action about a resident (action log + transparency log)."""
    row = SupporterAction(
        at=_now(now),
        actor_id=actor.id,
        actor_role=actor.role,
        actor_name=actor.display_name,
        resident_code=resident_code,
        action=action,
        target=target,
        delegation_id=delegation_id,
    )
    session.add(row)
    attributes = {"role": actor.role, "action": action}
    if delegation_id:
        attributes["delegation"] = delegation_id
    await append_event(
        session,
        type=f"supporters:action:{action}",
        actor=f"{actor.role}:{actor.id}",
        subject=resident_code,
        attributes=attributes,
    )
    return row


async def actions_about(
    session: AsyncSession, resident_code: str, *, limit: int = 200
) -> list[SupporterAction]:
    """What supporters and staff did about a resident, newest first."""
    return list(
        await session.scalars(
            sa.select(SupporterAction)
            .where(SupporterAction.resident_code == resident_code)
            .order_by(SupporterAction.at.desc(), SupporterAction.id.desc())
            .limit(limit)
        )
    )


async def access_history_entries(session: AsyncSession, resident_code: str) -> list[dict[str, Any]]:
    """Supporter and staff actions as entries of the resident's access history page.

    Same keys as the palm's ``/api/palm/access-history`` entries (``at``, ``client_name``,
    ``service``, ``purpose``, ``outcome``) plus ``kind: "supporter"``, so a page merges both lists
    and sorts by ``at``.
    """
    out = []
    for a in await actions_about(session, resident_code):
        who = "支援員" if a.actor_role == "supporter" else "職員"
        out.append(
            {
                "at": _aware(a.at).isoformat(),
                "kind": "supporter",
                "third_party": False,
                "client": f"{a.actor_role}:{a.actor_id}",
                "client_name": f"{who} {a.actor_name}",
                "provider": "palm",
                "provider_name": "手のひら",
                "service": a.action + (f" {a.target}" if a.target else ""),
                "purpose": f"delegation {a.delegation_id}" if a.delegation_id else a.actor_role,
                "outcome": "ok",
                "legal_basis": None,
            }
        )
    return out


# --- help requests: the supporters' side ----------------------------------------------------------


async def take_help_request(
    session: AsyncSession, supporter: Role, request_id: str, *, now: datetime | None = None
) -> HelpRequest:
    """A supporter takes an open help request (or keeps one they took); anything else is 404."""
    row = await session.get(HelpRequest, request_id)
    if row is None or supporter.role != "supporter":
        raise not_found()
    if row.state == "taken" and row.taken_by == supporter.id:
        return row
    if row.state != "open":
        raise not_found()
    now = _now(now)
    row.state, row.taken_by, row.taken_at, row.updated_at = "taken", supporter.id, now, now
    await record_action(session, supporter, row.resident_code, "help-taken", target=row.id, now=now)
    return row


async def close_help_request(
    session: AsyncSession, supporter: Role, request_id: str, *, now: datetime | None = None
) -> HelpRequest:
    """The supporter who took a request closes it."""
    row = await session.get(HelpRequest, request_id)
    if row is None or row.taken_by != supporter.id or row.state != "taken":
        raise not_found()
    row.state, row.updated_at = "closed", _now(now)
    await record_action(session, supporter, row.resident_code, "help-closed", target=row.id, now=now)
    return row


async def help_requests_taken_by(session: AsyncSession, supporter_id: str) -> list[HelpRequest]:
    """The requests a supporter is working on."""
    return list(
        await session.scalars(
            sa.select(HelpRequest)
            .where(HelpRequest.taken_by == supporter_id, HelpRequest.state == "taken")
            .order_by(HelpRequest.taken_at, HelpRequest.id)
        )
    )
