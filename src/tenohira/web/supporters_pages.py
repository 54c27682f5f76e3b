"""Pages of the digital supporters: the resident's delegation page and the supporter console.

Every route declares its audience (:func:`tenohira.supporters.audiences.audience`). Console pages
(supporter, staff) log out after ``settings.supporter_idle_minutes`` without a request: shared
terminals at the counter or at a supporter's desk. Anything the person may not see is the same
404 page as something that does not exist.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tenohira.core import wording
from tenohira.core.clock import JST
from tenohira.core.config import get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.supporters import interfaces as sapi
from tenohira.supporters.interfaces import Actor, Role, audience
from tenohira.web.citizen import form_of, procedure_name, to_login
from tenohira.web.i18n import ruby
from tenohira.web.pages import language, render
from tenohira.web.platform_api import SESSION_COOKIE, PlatformApi
from tenohira.web.security import csrf_token
from tenohira.web.supporters_text import text

router = APIRouter(include_in_schema=False)
CONSOLE_COOKIE = "tenohira_console"
ResidentPage = Annotated[Actor | None, Depends(audience("resident", page=True))]
SupporterPage = Annotated[Actor | None, Depends(audience("supporter", page=True))]


def ctx(request: Request, **extra: Any) -> dict[str, Any]:
    """Common template context of these pages: the console texts in the page's language."""
    lang = language(request)
    from tenohira.web.citizen import field_labels
    from tenohira.web.words import field_value

    return {
        "st": lambda key: text(key, lang),
        "pname": lambda p: procedure_name(p, lang),
        "field_label": lambda p, name: field_labels(p, lang).get(name) or wording.label("field", name, lang),
        "field_value": lambda p, name, v: field_value(p, name, v, lang),
        "role_words": lambda role: ruby(wording.label("role", role, lang)),
        **extra,
    }


def not_found_page(request: Request, actor: Actor | None) -> HTMLResponse:
    """The one 404 page (says nothing about whether the thing exists)."""
    return render(
        request,
        "error.html",
        {"message": str(text("not_found", language(request))), "active": ""},
        principal=actor.principal if actor else None,
        status_code=404,
    )


def problem_page(request: Request, actor: Actor | None, exc: Problem, *, idle: int | None = None) -> Response:
    """A problem as a page: 404 stays a bare 404; others show their message."""
    if exc.status == 404:
        return not_found_page(request, actor)
    lang = language(request)
    message = exc.title if lang == "en" else exc.title_ja
    details = [e.message if lang == "en" else e.message_ja for e in exc.errors]
    return render(
        request,
        "error.html",
        {"message": " ".join([message, *details]), "active": ""},
        principal=actor.principal if actor else None,
        status_code=exc.status if exc.status in (403, 409, 422) else 503,
        idle_minutes=idle,
    )


# --- shared terminals: a shorter inactivity limit on console pages -----------------------------


def _stamp(session_id: str, at: int) -> str:
    return f"{at}.{csrf_token(get_settings(), f'console|{session_id}|{at}')}"


def _last_seen(request: Request, session_id: str) -> int | None:
    raw = request.cookies.get(CONSOLE_COOKIE, "")
    at, _, mac = raw.partition(".")
    if not at.isdigit() or _stamp(session_id, int(at)) != raw or not mac:
        return None
    return int(at)


async def gate(request: Request, actor: Actor | None, *, console: bool = True) -> Response | None:
    """What a page answers instead of itself: login, the 404 page, or the idle logout (else None)."""
    if actor is None:
        return to_login(request)
    if not actor.allowed:
        return not_found_page(request, actor)
    return await console_idle(request, actor) if console else None


async def console_idle(request: Request, actor: Actor) -> Response | None:
    """End the session when the console was idle longer than ``supporter_idle_minutes``.

    Identity's own (longer) limit still applies; this one is kept in a signed cookie bound to
    the session (a missing cookie starts the clock: it cannot extend identity's limit).
    """
    limit = get_settings().supporter_idle_minutes * 60
    seen = _last_seen(request, actor.principal.session_id)
    if seen is not None and time.time() - seen > limit:
        async with PlatformApi(request) as api:
            await api.raw("POST", "/api/auth/logout")
        response = RedirectResponse("/login?expired=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CONSOLE_COOKIE, path="/")
        return response
    return None


def touch(response: Response, actor: Actor, request: Request | None = None) -> Response:
    """Restart the console's inactivity clock."""
    response.set_cookie(
        CONSOLE_COOKIE,
        _stamp(actor.principal.session_id, int(time.time())),
        httponly=True,
        samesite="strict",
        secure=request is not None and request.url.scheme == "https",
    )
    return response


def console(
    request: Request, template: str, actor: Actor, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    """Render a console page with the short idle limit, and restart its clock."""
    lang = language(request)
    for h in [*context.get("mine", []), *context.get("open", [])]:  # help requests in words
        h["source_words"] = wording.label("help_source", h.get("source"), lang)
        h["reason_words"] = wording.label("help_reason", h.get("reason"), lang)
        h["language_words"] = wording.label("language", h.get("language"), lang)
        for m in h.get("transcript", []) or []:
            m["role_words"] = wording.label("transcript_role", m.get("role"), lang)
    page = render(
        request,
        template,
        ctx(request, **context),
        principal=actor.principal,
        idle_minutes=get_settings().supporter_idle_minutes,
        status_code=status_code,
    )
    return touch(page, actor, request)


# --- the resident: my supporters -----------------------------------------------------------------


@router.get("/delegations", response_class=HTMLResponse)
async def delegations_page(request: Request, me: ResidentPage) -> Response:
    """My delegations (grant, revoke) and what supporters and staff did about me."""
    if (stop := await gate(request, me, console=False)) is not None:
        return stop
    assert me is not None
    async with get_database().session() as s:
        rows = await sapi.delegations_of_resident(s, me.palm_code)
        items = [sapi.delegation_view(d, await s.get(Role, d.supporter_id)) for d in rows]
        supporters = [sapi.role_view(r) for r in await sapi.list_roles(s, "supporter")]
        raw_actions = await sapi.access_history_entries(s, me.palm_code)
    from tenohira.procedures import load_catalogue
    from tenohira.web.citizen import _action_view

    lang = language(request)
    actions = [_action_view(a, lang) for a in raw_actions]  # in words: who, and what they did
    procedures = [(p.id, procedure_name(p.id, lang)) for p in load_catalogue().all()]
    default_expiry = (datetime.now(JST) + timedelta(days=90)).date().isoformat()
    flash = {"granted": "granted", "revoked": "revoked_ok"}.get(request.query_params.get("done", ""))
    return render(
        request,
        "supporters/delegations.html",
        ctx(
            request,
            active="delegations",
            delegations=items,
            supporters=supporters,
            procedures=procedures,
            actions=actions,
            default_expiry=default_expiry,
            flash=str(text(flash, lang)) if flash else None,
        ),
        principal=me.principal,
    )


@router.post("/delegations")
async def grant_page(request: Request, me: ResidentPage) -> Response:
    """Grant a delegation from the form (CSRF checked)."""
    if (stop := await gate(request, me, console=False)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    chosen = form.get("procedure") or []
    procedures = [chosen] if isinstance(chosen, str) else list(chosen)
    try:
        day = datetime.fromisoformat(str(form.get("expires") or "")[:10])
        expires = day.replace(hour=23, minute=59, tzinfo=JST).astimezone(UTC)
    except ValueError:
        expires = datetime.now(UTC) - timedelta(days=1)  # reported as a bad expiry below
    try:
        async with get_database().session() as s:
            await sapi.grant_delegation(
                s,
                resident_code=me.palm_code,
                card_serial=me.principal.card_serial,
                supporter_id=str(form.get("supporter") or "")[:32],
                procedures=[p[:64] for p in procedures][:50],
                mode=str(form.get("mode") or ""),
                expires_at=expires,
            )
    except Problem as exc:
        return problem_page(request, me, exc)
    return RedirectResponse("/delegations?done=granted", status_code=303)


@router.post("/delegations/{delegation_id}/revoke")
async def revoke_page(request: Request, delegation_id: str, me: ResidentPage) -> Response:
    """Revoke one of my delegations."""
    if (stop := await gate(request, me, console=False)) is not None:
        return stop
    assert me is not None
    await form_of(request)
    try:
        async with get_database().session() as s:
            await sapi.revoke_delegation(s, me.palm_code, delegation_id)
    except Problem as exc:
        return problem_page(request, me, exc)
    return RedirectResponse("/delegations?done=revoked", status_code=303)


# --- the supporter console ------------------------------------------------------------------------


@router.get("/supporter", response_class=HTMLResponse)
async def supporter_console(request: Request, me: SupporterPage) -> Response:
    """The help queue, the requests I took, and the people who delegated to me."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    body = await sapi.queue(me)
    mine = await sapi.my_residents(me)
    flash = text("replied", language(request)) if request.query_params.get("replied") else None
    context = {"active": "supporter", **body, **mine, "flash": flash}
    return console(request, "supporters/console.html", me, context)


@router.post("/supporter/help/{request_id}/{action}")
async def supporter_help(request: Request, request_id: str, action: str, me: SupporterPage) -> Response:
    """Take or close a help request."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    try:
        if action == "take":
            await sapi.take(me, request_id)
        elif action == "reply":
            typed = str(form.get("text") or "").strip()
            if not typed:  # keep the console, say what is missing
                body = await sapi.queue(me)
                mine = await sapi.my_residents(me)
                context = {"active": "supporter", **body, **mine, "reply_error": request_id}
                return console(request, "supporters/console.html", me, context, status_code=422)
            await sapi.reply(me, request_id, sapi.ReplyIn(text=typed[:2000]))
            return touch(RedirectResponse("/supporter?replied=1", status_code=303), me, request)
        elif action == "close":
            await sapi.close(me, request_id)
        else:
            raise sapi.not_found()
    except Problem as exc:
        return problem_page(request, me, exc)
    return touch(RedirectResponse("/supporter", status_code=303), me, request)


@router.get("/supporter/delegations/{delegation_id}", response_class=HTMLResponse)
async def supporter_delegation(request: Request, delegation_id: str, me: SupporterPage) -> Response:
    """One resident's applications, only for the delegated procedures (checked now)."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    try:
        body = await sapi.resident_applications(me, delegation_id)
    except Problem as exc:
        return problem_page(request, me, exc, idle=get_settings().supporter_idle_minutes)
    lang = language(request)
    flash = str(text("prepared", lang)) if request.query_params.get("prepared") else None
    return console(request, "supporters/delegation.html", me, {"active": "supporter", "flash": flash, **body})


@router.post("/supporter/delegations/{delegation_id}/prepare")
async def supporter_prepare(request: Request, delegation_id: str, me: SupporterPage) -> Response:
    """Prepare applications within a "file" delegation; the resident signs them with the card."""
    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await form_of(request)
    chosen = form.get("procedure") or []
    procedures = [chosen] if isinstance(chosen, str) else list(chosen)
    try:
        if not procedures:
            raise sapi.not_found()
        await sapi.prepare(me, delegation_id, sapi.PrepareIn(procedures=[p[:64] for p in procedures][:20]))
    except Problem as exc:
        return problem_page(request, me, exc, idle=get_settings().supporter_idle_minutes)
    return touch(
        RedirectResponse(f"/supporter/delegations/{delegation_id}?prepared=1", status_code=303), me, request
    )
