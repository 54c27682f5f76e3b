"""The resident's pages of the OpenID Provider: the consent screen (card login, which facts to
send, a document to sign), the error page for requests that cannot go back to the relying
party, and "connected services" where consent is withdrawn.

The protocol lives in :mod:`tenohira.oidc`; these pages only show a pending request, let the
card (the server-side card reader of the demo, as on the login page) authenticate and sign, and
hand the signatures to :func:`tenohira.oidc.approve`. Messages are in ``oidc_messages.yaml``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from tenohira import oidc
from tenohira.core.config import get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.identity import CardLocked, InvalidSecretFormat, Principal, WrongSecret
from tenohira.supporters.interfaces import Actor, audience
from tenohira.web.demo_cards import DemoCard, find_card, list_cards
from tenohira.web.i18n import Language, ruby, translate
from tenohira.web.pages import language, render
from tenohira.web.platform_api import SESSION_COOKIE, ApiError, PlatformApi
from tenohira.web.security import CSP, check_csrf

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    """The pages' messages, ``key: {ja, en, easy_ja}``."""
    data = yaml.safe_load((Path(__file__).parent / "oidc_messages.yaml").read_text(encoding="utf-8"))
    return {str(k): {str(lk): str(v) for lk, v in entry.items()} for k, entry in data.items()}


def say(key: str, lang: Language, **params: Any) -> Markup:
    """A message of these pages in ``lang`` (``{name}`` params escaped), as translate() does."""
    entry = messages().get(key)
    if entry is None:
        return translate(key, lang, **params)
    text = entry.get(lang) or entry.get("ja") or key
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(Markup.escape(value)).replace("{", "(").replace("}", ")"))
    return ruby(text)


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    principal: Principal | None,
    status: int = 200,
) -> HTMLResponse:
    lang = language(request)
    ctx = {"o": lambda key, **p: say(key, lang, **p), "active": "", **context}
    return render(request, template, ctx, principal=principal, status_code=status)


async def _principal(request: Request) -> Principal | None:
    from tenohira.web.routes import page_principal

    return await page_principal(request)


def _client_name(req: oidc.PendingRequest, lang: Language) -> str:
    return req.client_name_en if lang == "en" else req.client_name_ja


def _card_of(principal: Principal) -> DemoCard | None:
    from tenohira.web.citizen import card_of

    return card_of(principal)


async def _consent_page(
    request: Request,
    req: oidc.PendingRequest,
    principal: Principal | None,
    *,
    error: str | None = None,
    card: str = "",
    status: int = 200,
) -> HTMLResponse:
    lang = language(request)
    cards = list_cards(get_settings())
    own = _card_of(principal) if principal else None
    response = _page(
        request,
        "oidc_consent.html",
        {
            "req": req,
            "client": _client_name(req, lang),
            "needs_card": req.needs_card(principal),
            "cards": [own] if own else cards,
            "selected": card or (own.resident_id if own else (cards[0].resident_id if cards else "")),
            "error": error,
        },
        principal=principal,
        status=status,
    )
    # The answer of this form is a redirect to the relying party: let the form go there.
    target = urlsplit(req.redirect_uri)
    response.headers["content-security-policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}"
    )
    return response


async def _pending(request_id: str) -> oidc.PendingRequest:
    async with get_database().session() as session:
        return await oidc.pending(session, request_id)


def _error_page(request: Request, error: oidc.OAuthError, principal: Principal | None) -> HTMLResponse:
    lang = language(request)
    message = error.description_ja if lang != "en" and error.description_ja else None
    return _page(
        request,
        "oidc_error.html",
        {"message": message, "detail": f"{error.error}: {error.description}"},
        principal=principal,
        status=400,
    )


@router.get("/oidc/consent/{request_id}", response_class=HTMLResponse)
async def consent(request: Request, request_id: str) -> Response:
    principal = await _principal(request)
    try:
        req = await _pending(request_id)
    except oidc.OAuthError as error:
        return _error_page(request, error, principal)
    return await _consent_page(request, req, principal)


async def _card_login(request: Request, card: DemoCard, pin: str) -> tuple[str, list[str]]:
    """Authenticate with the card as the login page does; the new session token and its cookies."""
    sim = card.simulator()
    async with PlatformApi(request, token="") as api:
        challenge = await api.post("/api/auth/challenge")
        raw = base64.b64decode(challenge["challenge"])
        signature = await asyncio.to_thread(sim.authenticate, pin, raw)
        answer = await api.raw(
            "POST",
            "/api/auth/login",
            json={
                "challenge": challenge["challenge"],
                "signature": base64.b64encode(signature).decode(),
                "certificate": sim.auth_certificate_pem().decode(),
                "session": "cookie",
            },
        )
    if not answer.is_success:
        body = answer.json() if answer.headers.get("content-type", "").endswith("json") else {}
        raise ApiError(answer.status_code, body if isinstance(body, dict) else {})
    token = answer.cookies.get(SESSION_COOKIE) or ""
    return token, answer.headers.get_list("set-cookie")


@router.post("/oidc/consent/{request_id}")
async def decide(request: Request, request_id: str) -> Response:
    form = await request.form()
    settings = get_settings()
    check_csrf(settings, request, str(form.get("csrf_token") or ""))
    lang = language(request)
    principal = await _principal(request)
    try:
        req = await _pending(request_id)
    except oidc.OAuthError as error:
        return _error_page(request, error, principal)
    if form.get("decision") != "allow":
        async with get_database().session() as session:
            return RedirectResponse(await oidc.deny(session, settings, request_id), 303)
    chosen = str(form.get("card") or "")
    facts = [str(f) for f in form.getlist("facts") if str(f) in req.facts]
    want_sign = req.sign_document is not None and form.get("sign") == "yes"
    password = str(form.get("password") or "").strip().upper()
    cookies: list[str] = []
    fresh = False
    token = request.cookies.get(SESSION_COOKIE) or ""
    card = _card_of(principal) if principal else None

    async def again(message: str, status: int) -> HTMLResponse:
        return await _consent_page(request, req, principal, error=message, card=chosen, status=status)

    if req.needs_card(principal):
        card = find_card(settings, chosen) if not card or chosen else card
        pin = str(form.get("pin") or "").strip()
        if card is None:
            return await again(str(translate("login_no_card", lang)), 422)
        if not (len(pin) == 4 and pin.isascii() and pin.isdigit()):
            return await again(str(translate("login_pin_format", lang)), 422)
        try:
            token, cookies = await _card_login(request, card, pin)
        except WrongSecret as wrong:
            return await again(str(translate("login_wrong_pin", lang, tries=wrong.tries_left)), 401)
        except CardLocked:
            return await again(str(say("oidc_locked", lang)), 423)
        except InvalidSecretFormat:
            return await again(str(translate("login_pin_format", lang)), 422)
        except ApiError as exc:
            return await again(str(say("oidc_refused", lang, reason=exc.message(lang))), 401)
        fresh = True
    if card is None:
        return await again(str(translate("login_no_card", lang)), 422)
    consent_sig: bytes | None = None
    document_sig: bytes | None = None
    if facts or want_sign:
        if not password:
            return await again(str(say("oidc_need_password", lang)), 422)
        sim = card.simulator()
        try:
            if facts:
                statement = oidc.consent_statement(request_id, req.client_id, facts)
                consent_sig = await asyncio.to_thread(sim.sign, password, statement)
            if want_sign and req.sign_document is not None:
                document_sig = await asyncio.to_thread(sim.sign, password, req.sign_document.encode())
        except WrongSecret as wrong:
            return await again(str(say("oidc_wrong_password", lang, tries=wrong.tries_left)), 401)
        except CardLocked:
            return await again(str(say("oidc_locked", lang)), 423)
        except InvalidSecretFormat:
            return await again(str(say("oidc_password_format", lang)), 422)
    try:
        async with get_database().session() as session:
            target = await oidc.approve(
                session,
                settings,
                request_id,
                session_token=token,
                facts=facts,
                consent_signature=consent_sig,
                document_signature=document_sig,
                fresh_login=fresh,
            )
    except oidc.OAuthError as error:
        return _error_page(request, error, principal)
    response = RedirectResponse(target, 303)
    for cookie in cookies:
        response.headers.append("set-cookie", cookie)
    return response


@router.get("/oidc/error", response_class=HTMLResponse)
async def error_page(request: Request) -> Response:
    principal = await _principal(request)
    error = oidc.OAuthError(
        str(request.query_params.get("error") or "invalid_request")[:64],
        str(request.query_params.get("error_description") or "")[:300],
    )
    return _error_page(request, error, principal)


@router.get("/oidc/consents", response_class=HTMLResponse)
async def my_consents(request: Request) -> Response:
    principal = await _principal(request)
    if principal is None or principal.holder_ref is None:
        return RedirectResponse("/login", 303)
    async with get_database().session() as session:
        consents = await oidc.consents_of(session, principal.holder_ref)
    lang = language(request)
    flash = None
    withdrawn = request.query_params.get("withdrawn")
    if withdrawn:
        async with get_database().session() as session:
            clients = await oidc.list_clients(session)
        name = next(
            (c.name_en if lang == "en" else c.name_ja for c in clients if c.client_id == withdrawn), None
        )
        flash = say("oidc_withdrawn", lang, client=name) if name else None
    return _page(
        request,
        "oidc_consents.html",
        {"consents": consents, "flash": flash, "active": "history"},
        principal=principal,
    )


@router.post("/oidc/consents/{client_id}/withdraw")
async def withdraw(request: Request, client_id: str) -> Response:
    form = await request.form()
    check_csrf(get_settings(), request, str(form.get("csrf_token") or ""))
    principal = await _principal(request)
    if principal is None or principal.holder_ref is None:
        return RedirectResponse("/login", 303)
    async with get_database().session() as session:
        await oidc.withdraw(session, principal.holder_ref, client_id)
    return RedirectResponse("/oidc/consents?withdrawn=" + client_id, 303)


async def oidc_releases(api: PlatformApi, lang: Language) -> list[dict[str, Any]]:
    """The resident's releases of facts to other services, as access-history entries (to whom,
    which facts, when), for the access-history page."""
    body = await api.get("/api/oidc/releases")
    entries = []
    for e in body.get("entries", []):
        what = "・".join(str(say("oidc_fact_" + str(s), lang)) for s in e.get("released", []))
        entries.append(
            {
                "kind": "release",  # already in words: shown as it is
                "at": e.get("at"),
                "client_name": e.get("client_name_en") if lang == "en" else e.get("client_name"),
                "provider_name": str(say("oidc_history_provider", lang)),
                "service": what,
                "purpose": str(say("oidc_history_service", lang)),
                "legal_basis": str(say("oidc_history_basis", lang)),
            }
        )
    return entries


# --- the administrator: relying parties (same as `tenohira oidc client add|list|remove`) -------

AdminPage = Annotated[Actor | None, Depends(audience("administrator", page=True))]


async def _admin_page(
    request: Request,
    me: Actor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    flash: str | None = None,
    status: int = 200,
) -> Response:
    from tenohira.web.supporters_pages import console

    async with get_database().session() as session:
        clients = await oidc.list_clients(session)
    lang = language(request)
    response = console(
        request,
        "oidc_admin.html",
        me,
        {
            "o": lambda key, **p: say(key, lang, **p),
            "active": "staff",
            "clients": clients,
            "errors": errors or {},
            "values": values or {},
            "flash": flash,
            "scopes": ["openid", *oidc.FACT_SCOPES, "sign"],
        },
    )
    response.status_code = status
    return response


@router.get("/staff/oidc", response_class=HTMLResponse)
async def admin_clients(request: Request, me: AdminPage) -> Response:
    from tenohira.web.supporters_pages import gate

    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    done = request.query_params.get("done")
    flash = say("oidc_admin_" + done, language(request)) if done in ("added", "removed") else None
    return await _admin_page(request, me, flash=flash)


@router.post("/staff/oidc/clients")
async def admin_add(request: Request, me: AdminPage) -> Response:
    from tenohira.web.supporters_pages import gate

    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await request.form()
    check_csrf(get_settings(), request, str(form.get("csrf_token") or ""))
    lang = language(request)
    values = {k: str(form.get(k) or "").strip() for k in ("name", "name_en", "redirect_uris", "jwks")}
    scopes = [str(s) for s in form.getlist("scopes")]
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = str(say("oidc_admin_need_name", lang))
    try:
        jwks = json.loads(values["jwks"]) if values["jwks"] else None
    except ValueError:
        jwks = None
    if not isinstance(jwks, dict):
        errors["jwks"] = str(say("oidc_admin_bad_jwks", lang))
    uris = [u.strip() for u in values["redirect_uris"].splitlines() if u.strip()]
    if not errors and isinstance(jwks, dict):
        try:
            async with get_database().session() as session:
                await oidc.add_client(
                    session,
                    name_ja=values["name"],
                    name_en=values["name_en"] or values["name"],
                    redirect_uris=uris,
                    jwks=jwks,
                    scopes=["openid", *[s for s in scopes if s != "openid"]],
                    require_par=form.get("require_par") == "yes",
                    require_dpop=form.get("require_dpop") == "yes",
                    actor=me.principal.card_serial,
                )
        except Problem as problem:
            for e in problem.errors:
                errors[e.field if e.field != "redirect_uri" else "redirect_uris"] = (
                    e.message if lang == "en" else e.message_ja
                )
            if not problem.errors:
                errors["name"] = problem.title if lang == "en" else problem.title_ja
    if errors:
        return await _admin_page(request, me, errors=errors, values=values, status=422)
    return RedirectResponse("/staff/oidc?done=added", 303)


@router.post("/staff/oidc/clients/{client_id}/remove")
async def admin_remove(request: Request, client_id: str, me: AdminPage) -> Response:
    from tenohira.web.supporters_pages import gate

    if (stop := await gate(request, me)) is not None:
        return stop
    assert me is not None
    form = await request.form()
    check_csrf(get_settings(), request, str(form.get("csrf_token") or ""))
    async with get_database().session() as session:
        await oidc.remove_client(session, client_id, actor=me.principal.card_serial)
    return RedirectResponse("/staff/oidc?done=removed", 303)
