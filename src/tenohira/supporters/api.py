"""HTTP API of supporters and the staff console (JSON; the web consoles use the same services).

Every route declares its audience with :func:`tenohira.supporters.audiences.audience`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tenohira.core.config import get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.notify import send
from tenohira.palm import code_for_card, contact_of, create_applications, recipient_for
from tenohira.palm.interfaces import Application
from tenohira.supporters import delegations as dl
from tenohira.supporters import staff as st
from tenohira.supporters.audiences import Actor, audience
from tenohira.supporters.models import Delegation, HelpRequest, Role

supporters_router = APIRouter(prefix="/api/supporters", tags=["supporters"])
staff_router = APIRouter(prefix="/api/staff", tags=["staff"])

Resident = Annotated[Actor, Depends(audience("resident"))]
Supporter = Annotated[Actor, Depends(audience("supporter"))]
Staff = Annotated[Actor, Depends(audience("staff", "administrator"))]


def role_view(r: Role) -> dict[str, Any]:
    return {"id": r.id, "role": r.role, "display_name": r.display_name, "organisation": r.organisation}


def delegation_view(d: Delegation, supporter: Role | None = None) -> dict[str, Any]:
    return {
        "id": d.id,
        "supporter": role_view(supporter) if supporter else {"id": d.supporter_id},
        "procedures": list(d.procedures),
        "mode": d.mode,
        "expires_at": dl._aware(d.expires_at).isoformat(),
        "state": d.state,
        "end_reason": d.end_reason,
        "created_at": dl._aware(d.created_at).isoformat(),
    }


def help_view(h: HelpRequest, *, transcript: bool) -> dict[str, Any]:
    from tenohira.supporters.service import help_reference

    out: dict[str, Any] = {
        "id": h.id,
        "reference": help_reference(h.id),
        "source": h.source.split(":", 1)[0],
        "reason": h.reason,
        "language": h.language,
        "state": h.state,
        "created_at": dl._aware(h.created_at).isoformat(),
        "at_counter": h.created_by is not None,
    }
    if transcript:
        out["transcript"] = h.transcript
    return out


# --- the resident: delegations and what supporters did --------------------------------------


class DelegationIn(BaseModel):
    supporter_id: str = Field(max_length=32)
    procedures: list[str] = Field(max_length=50)
    mode: str = Field(max_length=8)
    expires_at: datetime


@supporters_router.get("/supporters")
async def supporters(me: Resident) -> dict[str, Any]:
    """Registered supporters a resident may choose (names and organisations only)."""
    async with get_database().session() as s:
        return {"supporters": [role_view(r) for r in await dl.list_roles(s, "supporter")]}


@supporters_router.get("/delegations")
async def my_delegations(me: Resident) -> dict[str, Any]:
    """The delegations I granted (with their state)."""
    async with get_database().session() as s:
        rows = await dl.delegations_of_resident(s, me.palm_code)
        return {"delegations": [delegation_view(d, await s.get(Role, d.supporter_id)) for d in rows]}


@supporters_router.post("/delegations", status_code=201)
async def grant(me: Resident, body: DelegationIn) -> dict[str, Any]:
    """Let a registered supporter see (read) or prepare (file) some procedures until a date."""
    async with get_database().session() as s:
        d = await dl.grant_delegation(
            s,
            resident_code=me.palm_code,
            card_serial=me.principal.card_serial,
            supporter_id=body.supporter_id,
            procedures=body.procedures,
            mode=body.mode,
            expires_at=body.expires_at,
        )
        return delegation_view(d, await s.get(Role, d.supporter_id))


@supporters_router.post("/delegations/{delegation_id}/revoke")
async def revoke(me: Resident, delegation_id: str) -> dict[str, Any]:
    """End one of my delegations now."""
    async with get_database().session() as s:
        return delegation_view(await dl.revoke_delegation(s, me.palm_code, delegation_id))


@supporters_router.get("/actions")
async def my_actions(me: Resident) -> dict[str, Any]:
    """What supporters and staff did about me (entries shaped like the access history's)."""
    async with get_database().session() as s:
        return {"entries": await dl.access_history_entries(s, me.palm_code)}


# --- the supporter console ---------------------------------------------------------------------


def _supporter(actor: Actor) -> Role:
    role = actor.role("supporter")
    if role is None:
        raise dl.not_found()
    return role


@supporters_router.get("/help-requests")
async def queue(me: Supporter) -> dict[str, Any]:
    """Open help requests (oldest first; no conversation until taken) and the ones I took."""
    from tenohira.supporters import open_help_requests

    role = _supporter(me)
    async with get_database().session() as s:
        return {
            "open": [help_view(h, transcript=False) for h in await open_help_requests(s)],
            "mine": [help_view(h, transcript=True) for h in await dl.help_requests_taken_by(s, role.id)],
        }


@supporters_router.post("/help-requests/{request_id}/take")
async def take(me: Supporter, request_id: str) -> dict[str, Any]:
    """Take an open help request: its conversation becomes visible to me."""
    async with get_database().session() as s:
        role = await s.get(Role, _supporter(me).id)
        assert role is not None
        return help_view(await dl.take_help_request(s, role, request_id), transcript=True)


@supporters_router.post("/help-requests/{request_id}/close")
async def close(me: Supporter, request_id: str) -> dict[str, Any]:
    """Close a help request I took."""
    async with get_database().session() as s:
        role = await s.get(Role, _supporter(me).id)
        assert role is not None
        return help_view(await dl.close_help_request(s, role, request_id), transcript=False)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


@supporters_router.post("/help-requests/{request_id}/reply")
async def reply(me: Supporter, request_id: str, body: ReplyIn) -> dict[str, Any]:
    """Answer a help request I took: the text reaches the resident's inbox (and email, if given),
    with the request's reference number, and joins the conversation kept with the request."""
    from tenohira.notify import send
    from tenohira.palm import contact_of, recipient_for
    from tenohira.supporters.service import help_reference

    text = body.text.strip()
    if not text:
        raise Problem(status=422, slug="empty-reply", title="The reply is empty", title_ja="返信が空です")
    async with get_database().session() as s:
        role = await s.get(Role, _supporter(me).id)
        assert role is not None
        row = await s.get(HelpRequest, request_id)
        if row is None or row.taken_by != role.id or row.state != "taken":
            raise dl.not_found()
        now = datetime.now(UTC)
        row.transcript = [*row.transcript, {"role": "supporter", "text": text, "at": now.isoformat()}]
        row.updated_at = now
        email, language = await contact_of(s, row.resident_code)
        await send(
            s,
            recipient=recipient_for(row.resident_code),
            template="supporter_reply",
            language="en" if language == "en" else "ja",
            params={"supporter": role.display_name, "reference": help_reference(row.id), "text": text},
            email=email,
        )
        await dl.record_action(s, role, row.resident_code, "help-replied", target=row.id, now=now)
        return help_view(row, transcript=True)


@supporters_router.get("/mine")
async def my_residents(me: Supporter) -> dict[str, Any]:
    """Delegations granted to me (active ones; each is checked again when used)."""
    async with get_database().session() as s:
        rows = await dl.delegations_of_supporter(s, _supporter(me).id)
        return {"delegations": [delegation_view(d) for d in rows]}


async def use_delegation(
    actor: Actor, delegation_id: str, *, procedure: str | None, need: str
) -> tuple[Role, Delegation]:
    """The supporter's delegation if usable now for ``need`` on ``procedure``; 404 otherwise.

    Ending an expired delegation or one of a revoked card is committed before the 404.
    """
    role = _supporter(actor)
    async with get_database().session() as s:
        d = await s.get(Delegation, delegation_id)
        if d is None or d.supporter_id != role.id:
            raise dl.not_found()
        resident = d.resident_code
    # the protection check is a hub call: made with no write pending
    try:
        protected = await st.protection_via_hub(resident)
    except Problem:
        protected = None

    async def known(_code: str) -> bool:
        if protected is None:
            raise dl.not_found()
        return protected

    async with get_database().session() as s:
        fresh = await s.get(Role, role.id)
        assert fresh is not None
        found = await dl.find_usable(s, fresh, resident, procedure=procedure, need=need, protection=known)
        if found is not None and found.id != delegation_id:
            found = None
        s.expunge_all()
    if found is None:
        raise dl.not_found()
    return fresh, found


@supporters_router.get("/delegations/{delegation_id}/applications")
async def resident_applications(me: Supporter, delegation_id: str) -> dict[str, Any]:
    """The resident's applications for the delegated procedures only."""
    import sqlalchemy as sa

    role, d = await use_delegation(me, delegation_id, procedure=None, need="read")
    async with get_database().session() as s:
        rows = await s.scalars(
            sa.select(Application)
            .where(Application.owner_code == d.resident_code, Application.procedure_id.in_(d.procedures))
            .order_by(Application.created_at.desc())
        )
        apps = [
            {
                "id": a.id,
                "procedure": a.procedure_id,
                "state": a.state,
                "decision": (a.decision or {}).get("status"),
                "updated_at": dl._aware(a.updated_at).isoformat(),
            }
            for a in rows
        ]
        await dl.record_action(s, role, d.resident_code, "viewed-applications", delegation_id=d.id)
    return {"delegation": delegation_view(d), "applications": apps}


class PrepareIn(BaseModel):
    procedures: list[str] = Field(min_length=1, max_length=20)


@supporters_router.post("/delegations/{delegation_id}/prepare", status_code=201)
async def prepare(me: Supporter, delegation_id: str, body: PrepareIn) -> dict[str, Any]:
    """Prepare applications for the resident (file mode): the resident signs them with the card."""

    for procedure in body.procedures:
        await use_delegation(me, delegation_id, procedure=procedure, need="file")
    role, d = await use_delegation(me, delegation_id, procedure=body.procedures[0], need="file")
    async with get_database().session() as s:
        made = await create_applications(s, d.resident_code, body.procedures, actor=f"supporter:{role.id}")
    async with get_database().session() as s:
        await dl.record_action(
            s, role, d.resident_code, "prepared-applications", target=str(made["bundle"]), delegation_id=d.id
        )
        await _tell_resident_to_sign(s, d.resident_code, role, str(made["bundle"]), body.procedures)
    return {**made, "to_sign_by": "resident"}


async def _tell_resident_to_sign(
    session: Any, code: str, supporter: Role, bundle: str, procedures: list[str]
) -> None:
    """The resident confirms and signs what the supporter prepared: a task in the inbox (and an
    email) naming the supporter and the procedures, with a link to the page that signs them."""
    from tenohira.procedures import load_catalogue

    email, language = await contact_of(session, code)
    english = language == "en"
    catalogue = load_catalogue()
    names = []
    for pid in procedures:
        try:
            n = catalogue.get(pid).names
            names.append(n.en if english else n.ja)
        except (KeyError, LookupError):
            continue
    await send(
        session,
        recipient=recipient_for(code),
        template="sign_request",
        language="en" if english else "ja",
        params={
            "supporter": supporter.display_name,
            "procedures": names,
            "url": f"{get_settings().resolved_base_url}/bundles/{bundle}",
        },
        email=email,
    )


# --- the staff console ---------------------------------------------------------------------------


def _staff(actor: Actor) -> Role:
    role = actor.role("staff", "administrator")
    if role is None:
        raise dl.not_found()
    return role


class RoleIn(BaseModel):
    card_serial: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=128)
    role: str = Field(default="supporter", max_length=16)
    organisation: str | None = Field(default=None, max_length=128)


@staff_router.post("/roles", status_code=201)
async def register(me: Staff, body: RoleIn) -> dict[str, Any]:
    """Register a supporter (staff) or any role (administrators), by the person's card serial."""
    if body.role != "supporter" and me.role("administrator") is None:
        raise dl.not_found()
    actor = me.role("administrator", "staff")
    assert actor is not None
    async with get_database().session() as s:
        row = await dl.register_role(
            s,
            role=body.role,
            display_name=body.display_name,
            card_serial=body.card_serial,
            organisation=body.organisation,
            registered_by=f"{actor.role}:{actor.id}",
        )
        return role_view(row)


@staff_router.get("/roles")
async def roles(me: Staff) -> dict[str, Any]:
    """Registered staff, supporters and administrators."""
    async with get_database().session() as s:
        return {"roles": [role_view(r) for r in await dl.list_roles(s)]}


class CounterHelpIn(BaseModel):
    card_serial: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=1000)


@staff_router.post("/help-requests", status_code=201)
async def counter_help(me: Staff, body: CounterHelpIn) -> dict[str, Any]:
    """A help request opened by staff for a resident at the counter (identified by their card)."""
    return await open_counter_help(me, body.card_serial, body.note)


async def open_counter_help(me: Actor, card_serial: str, note: str) -> dict[str, Any]:
    """Shared by the API and the console page."""
    from datetime import UTC

    from tenohira.supporters import request_help

    staff_role = me.role("staff", "administrator")
    assert staff_role is not None
    async with get_database().session() as s:
        try:
            code = await code_for_card(s, card_serial.strip().upper())
        except Problem as exc:
            raise dl.not_found() from exc
    async with get_database().session() as s:
        transcript = [{"role": "staff", "text": note, "at": datetime.now(UTC).isoformat()}] if note else []
        row = await request_help(s, code, "counter", transcript, reason="asked")
        row.created_by = staff_role.id
        await dl.record_action(s, staff_role, code, "help-opened", target=row.id)
        return help_view(row, transcript=False)


async def record_counter_unlock(me: Actor, card_serial: str, which: str) -> None:
    """Log that staff unlocked a card's PIN or signing password at the counter (after checking the
    holder in person): in the transparency log and in the resident's own access history."""
    from tenohira.identity import record_unlock
    from tenohira.palm import code_for_card

    if which not in ("pin", "password"):
        raise dl.not_found()
    staff_role = me.role("staff", "administrator")
    assert staff_role is not None
    serial = card_serial.strip().upper()
    async with get_database().session() as s:
        try:
            code = await code_for_card(s, serial)
        except Problem as exc:
            raise dl.not_found() from exc
    async with get_database().session() as s:
        await record_unlock(s, serial=serial, secret=which, actor=f"staff:{staff_role.id}")  # type: ignore[arg-type]
        await dl.record_action(s, staff_role, code, "card-unlocked", target=which)


@staff_router.get("/review")
async def review(me: Staff) -> dict[str, Any]:
    """Applications the rules leave to a person, earliest deadline first."""
    async with get_database().session() as s:
        return {"items": await st.review_queue(s)}


@staff_router.get("/review/{reference}")
async def review_case(me: Staff, reference: str) -> dict[str, Any]:
    """One case with the rules' explanation (the resident sees this access in their history)."""
    async with get_database().session() as s:
        role = await s.get(Role, _staff(me).id)
        if role is None:
            raise dl.not_found()
        return await st.open_case(s, role, reference)


class DecisionIn(BaseModel):
    decision: str = Field(max_length=16)
    reason_ja: str = Field(max_length=1000)
    reason_en: str = Field(default="", max_length=1000)


@staff_router.post("/review/{reference}/decision")
async def decide(me: Staff, reference: str, body: DecisionIn) -> dict[str, Any]:
    """Approve or reject with a reason; the resident is notified."""
    async with get_database().session() as s:
        role = await s.get(Role, _staff(me).id)
        if role is None:
            raise dl.not_found()
        return await st.decide_case(
            s, role, reference, decision=body.decision, reason_ja=body.reason_ja, reason_en=body.reason_en
        )


router = APIRouter()
router.include_router(supporters_router)
router.include_router(staff_router)
