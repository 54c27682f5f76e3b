"""Pages of the staff console: the review queue, one case, deciding with a reason, registering
supporters, and opening a help request for a resident at the counter.

Staff reach the municipality's queue through the hub as the palm member (purpose
``staff-review``): every case opened shows in the resident's access history.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tenohira.core.config import get_settings
from tenohira.core.problems import Problem
from tenohira.identity import CardSimulator
from tenohira.supporters import interfaces as sapi
from tenohira.supporters.interfaces import Actor, audience
from tenohira.web.citizen import form_of
from tenohira.web.demo_cards import list_cards
from tenohira.web.pages import language
from tenohira.web.supporters_pages import console, gate, not_found_page, problem_page, touch
from tenohira.web.supporters_text import text

router = APIRouter(include_in_schema=False)
StaffPage = Annotated[Actor | None, Depends(audience("staff", "administrator", page=True))]
FLASHES = {"decided": "decided", "registered": "registered", "opened": "opened", "unlocked": "unlocked"}


def _idle() -> int:
    return get_settings().supporter_idle_minutes


@router.get("/staff", response_class=HTMLResponse)
async def staff_console(request: Request, me: StaffPage) -> Response:
    """The review queue (earliest deadline first) and the counter's forms."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    items: list[dict[str, object]] = []
    error = None
    try:
        items = (await sapi.review(me))["items"]
    except Problem as exc:
        error = exc.title if language(request) == "en" else exc.title_ja
    flash_key = FLASHES.get(request.query_params.get("done", ""))
    flash = str(text(flash_key, language(request))) if flash_key else None
    return console(
        request,
        "staff/console.html",
        me,
        {
            "active": "staff",
            "items": items,
            "error": error,
            "flash": flash,
            "admin": bool(me.role("administrator")),
        },
    )


@router.get("/staff/review/{reference}", response_class=HTMLResponse)
async def staff_case(request: Request, reference: str, me: StaffPage) -> Response:
    """One case with the rules' explanation and the decision form."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    try:
        case = await sapi.review_case(me, reference[:40])
    except Problem as exc:
        return problem_page(request, me, exc, idle=_idle())
    return console(request, "staff/case.html", me, {"active": "staff", "case": case})


@router.post("/staff/review/{reference}/decision")
async def staff_decide(request: Request, reference: str, me: StaffPage) -> Response:
    """Decide with a reason (CSRF checked); the resident is notified."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    typed = {k: str(form.get(k) or "").strip()[:1000] for k in ("decision", "reason_ja", "reason_en")}
    errors = {}
    if typed["decision"] not in ("approved", "rejected"):
        errors["decision"] = "choose_decision"
    if not typed["reason_ja"]:
        errors["reason_ja"] = "need_reason"
    if errors:  # the case again, with what was typed and a message at each field
        try:
            case = await sapi.review_case(me, reference[:40])
        except Problem as exc:
            return problem_page(request, me, exc, idle=_idle())
        context = {"active": "staff", "case": case, "typed": typed, "errors": errors}
        return console(request, "staff/case.html", me, context, status_code=422)
    body = sapi.DecisionIn(
        decision=typed["decision"][:16], reason_ja=typed["reason_ja"], reason_en=typed["reason_en"]
    )
    try:
        await sapi.decide(me, reference[:40], body)
    except Problem as exc:
        return problem_page(request, me, exc, idle=_idle())
    return touch(RedirectResponse("/staff?done=decided", status_code=303), me, request)


@router.post("/staff/roles")
async def staff_register(request: Request, me: StaffPage) -> Response:
    """Register a supporter by their card serial (administrators may register other roles)."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    try:
        body = sapi.RoleIn(
            card_serial=str(form.get("card_serial") or "").strip()[:64] or "-",
            display_name=str(form.get("display_name") or "").strip()[:128] or "-",
            role=str(form.get("role") or "supporter")[:16],
            organisation=str(form.get("organisation") or "").strip()[:128] or None,
        )
        await sapi.register(me, body)
    except Problem as exc:
        return problem_page(request, me, exc, idle=_idle())
    return touch(RedirectResponse("/staff?done=registered", status_code=303), me, request)


@router.post("/staff/unlock")
async def staff_unlock(request: Request, me: StaffPage) -> Response:
    """Unlock the PIN or signing password of the card on the counter's reader, after checking the
    holder in person; logged in the transparency log and in the resident's access history."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    serial = str(form.get("card_serial") or "").strip().upper()[:64]
    which = str(form.get("secret") or "")
    card = next((c for c in list_cards(get_settings()) if _auth_serial(c) == serial), None)
    if card is None or which not in ("pin", "password"):
        return not_found_page(request, me)
    try:
        await sapi.record_counter_unlock(me, serial, which)
    except Problem as exc:
        return problem_page(request, me, exc, idle=_idle())
    CardSimulator.open(card.directory).reset_counter(which)  # type: ignore[arg-type]
    return touch(RedirectResponse("/staff?done=unlocked", status_code=303), me, request)


def _auth_serial(card: Any) -> str:
    try:
        return str(json.loads((card.directory / "card.json").read_text())["auth_serial"]).upper()
    except (OSError, ValueError, KeyError):
        return ""


@router.post("/staff/help")
async def staff_counter_help(request: Request, me: StaffPage) -> Response:
    """Open a help request for the resident at the counter (by their card)."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    try:
        await sapi.open_counter_help(
            me, str(form.get("card_serial") or "")[:64], str(form.get("note") or "")[:1000]
        )
    except Problem as exc:
        return problem_page(request, me, exc, idle=_idle())
    return touch(RedirectResponse("/staff?done=opened", status_code=303), me, request)
