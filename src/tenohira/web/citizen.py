"""The citizen web app's pages: card login, home (notices, do them for me), the assistant,
applications, the birth notification, access history, help and logout.

Every page is a plain HTML form flow (POST → redirect → GET) that works without JavaScript.
Every POST checks the CSRF token. Pages never build markup from data: Jinja2 autoescapes,
and messages go through :func:`tenohira.web.i18n.translate` (which escapes its parameters).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tenohira.core import wording
from tenohira.core.clock import JST, today_jst
from tenohira.core.config import get_settings
from tenohira.core.problems import Problem
from tenohira.core.signed_documents import EnvelopeError, check_envelope, parse_manifest
from tenohira.identity import CardLocked, CardSimulator, InvalidSecretFormat, Principal, WrongSecret
from tenohira.web import words
from tenohira.web.demo_cards import DemoCard, find_card, list_cards
from tenohira.web.i18n import Language, plain, translate
from tenohira.web.oidc_pages import oidc_releases
from tenohira.web.pages import language, procedure_label, render
from tenohira.web.platform_api import SESSION_COOKIE, ApiError, PlatformApi
from tenohira.web.security import check_csrf

router = APIRouter(include_in_schema=False)
URGENT_DAYS = 7
SAME_BIRTH_DAYS = 180  # a birth notification filed this recently is this birth's (no pregnancy is shorter)
MAX_TEXT = 1000


# --- common -----------------------------------------------------------------------------------


async def current(request: Request) -> Principal | None:
    """The logged-in principal of this browser (identity enforces expiry and inactivity)."""
    from tenohira.web.routes import page_principal

    return await page_principal(request)


def to_login(request: Request) -> RedirectResponse:
    """Back to the login page; a session cookie that no longer works means an idle or ended session."""
    expired = SESSION_COOKIE in request.cookies
    response = RedirectResponse("/login?expired=1" if expired else "/login", status_code=303)
    if expired:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def form_of(request: Request) -> dict[str, Any]:
    """The submitted form (CSRF checked); repeated names become lists."""
    form = await request.form()
    check_csrf(get_settings(), request, str(form.get("csrf_token") or ""))
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if len(values) > 1 else (values[0] if values else "")
    return out


def card_of(principal: Principal) -> DemoCard | None:
    """The demo card this session was opened with (the server-side card reader holds it)."""
    for card in list_cards(get_settings()):
        try:
            serial = json.loads((card.directory / "card.json").read_text())["auth_serial"]
        except (OSError, ValueError, KeyError):
            continue
        if str(serial).upper() == principal.card_serial.upper():
            return card
    return None


def procedure_name(procedure_id: str, lang: Language) -> str:
    """The catalogue's name of a procedure in ``lang`` (the id if unknown)."""
    return procedure_label(procedure_id, lang)


def localized(item: dict[str, Any], key: str, lang: Language) -> str | None:
    """``item[key]`` in ``lang``: a {ja, en, easy_ja} mapping, or ``key_en`` / ``key_ja`` / ``key``."""
    value = item.get(key)
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("ja") or value.get("en") or "") or None
    if lang == "en" and item.get(f"{key}_en"):
        return str(item[f"{key}_en"])
    for k in (f"{key}_ja", key):
        if item.get(k):
            return str(item[k])
    return None


def problem_page(
    request: Request, error: ApiError, principal: Principal | None, active: str = ""
) -> Response:
    """A platform problem shown as a page (404 stays 404 and says nothing more)."""
    if error.status == 401:
        return to_login(request)
    lang = language(request)
    message: str
    if error.status == 404:
        message = translate("not_found", lang)
    elif error.status >= 500:
        message = translate("unavailable", lang) + " " + error.message(lang)
    else:
        message = error.message(lang)
    return render(
        request,
        "error.html",
        {"message": message, "active": active},
        principal=principal,
        status_code=error.status if error.status in (403, 404, 409, 422, 423) else 503,
    )


def _deadline(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# --- login and logout ------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    if await current(request):
        return RedirectResponse("/", status_code=303)
    lang = language(request)
    flash = None
    if request.query_params.get("expired"):
        flash = translate("idle_logout", lang)
    elif request.query_params.get("logged_out"):
        flash = translate("logged_out", lang)
    return _login(request, flash=flash)


def _login(
    request: Request, *, flash: str | None = None, error: str | None = None, card: str = "", status: int = 200
) -> HTMLResponse:
    cards = list_cards(get_settings())
    selected = card or (cards[0].resident_id if cards else "")
    return render(
        request,
        "login.html",
        {"cards": cards, "selected": selected, "error": error, "flash": flash, "active": "login"},
        status_code=status,
    )


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_of(request)
    lang = language(request)
    resident = str(form.get("card") or "")
    pin = str(form.get("pin") or "").strip()
    card = find_card(get_settings(), resident)
    if card is None:
        return _login(request, error=translate("login_no_card", lang), status=422)
    if not (len(pin) == 4 and pin.isascii() and pin.isdigit()):
        return _login(request, error=translate("login_pin_format", lang), card=resident, status=422)
    sim = card.simulator()
    if sim.is_locked("pin"):
        return _login(request, error=translate("login_locked", lang), card=resident, status=423)
    async with PlatformApi(request, token="") as api:
        try:
            challenge = await api.post("/api/auth/challenge")
            raw = base64.b64decode(challenge["challenge"])
            signature = await asyncio.to_thread(sim.authenticate, pin, raw)
        except WrongSecret as wrong:
            return _login(
                request,
                error=translate("login_wrong_pin", lang, tries=wrong.tries_left),
                card=resident,
                status=401,
            )
        except CardLocked:
            await api.raw(
                "POST",
                "/api/auth/lockout",
                json={"certificate": sim.auth_certificate_pem().decode(), "secret": "pin"},
            )
            return _login(request, error=translate("login_locked", lang), card=resident, status=423)
        except InvalidSecretFormat:
            return _login(request, error=translate("login_pin_format", lang), card=resident, status=422)
        except ApiError as exc:
            return _login(request, error=exc.message(lang), card=resident, status=503)
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
        problem = ApiError(answer.status_code, _json(answer))
        reason = problem.message(lang)
        return _login(
            request, error=translate("login_refused", lang, reason=reason), card=resident, status=401
        )
    response = RedirectResponse("/", status_code=303)
    for cookie in answer.headers.get_list("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await form_of(request)
    async with PlatformApi(request) as api:
        await api.raw("POST", "/api/auth/logout")
    reason = "expired" if form.get("reason") == "idle" else "logged_out"
    response = RedirectResponse(f"/login?{reason}=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    # Ask the browser to forget what it kept of the session (not the language or text size).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


# --- home: notices and deadlines, do them for me ---------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    lang = language(request)
    notices: list[dict[str, Any]] = []
    available = True
    error = None
    async with PlatformApi(request) as api:
        try:
            body = await api.get("/api/notices")
            raw = body.get("notices", []) if isinstance(body, dict) else body
            notices = [n for n in raw if isinstance(n, dict)]
        except ApiError as exc:
            if exc.status == 401:
                return to_login(request)
            if exc.status in (404, 405):
                available = False
            else:
                error = exc.message(lang)
        progress: dict[str, str] = {}  # procedure -> the furthest state of the resident's applications
        if notices:
            try:
                mine = await api.get("/api/applications")
                progress = application_progress(mine.get("applications", []))
            except ApiError:
                progress = {}
        from tenohira.web.inbox import inbox_summary

        inbox = await inbox_summary(api, lang)
    consoles = await consoles_of(principal)
    today = today_jst()
    items = [_notice_view(n, lang, today) for n in notices]
    for item in items:
        state = progress.get(item["procedure"])
        if state in FILED_STATES:  # already filed: shown, but not offered again
            item["doable"], item["filed"] = False, True
        elif state == "handed_over":  # prepared here, handed over by the resident: not filed
            item["doable"], item["handed_over"] = False, True
    # deadlines first, soonest first; then check-ups and visits in the order of the child's age
    items.sort(
        key=lambda n: (
            n["deadline"] is None,
            n["deadline"] or date.max,
            _age_order(n["procedure"]),
            n["name"],
        )
    )
    doable = [n for n in items if n["procedure"] and n["doable"]]
    return render(
        request,
        "home.html",
        {
            "active": "home",
            "inbox": inbox,
            "consoles": consoles,
            "notices": items,
            "doable": doable,
            "available": available,
            "error": error,
            "today": today,
        },
        principal=principal,
    )


# the palm's filed states (tenohira.palm.situation.FILED_STATES: the agency has the application)
FILED_STATES = ("submitted", "queued", "decided", "notified")


def application_progress(applications: list[Any]) -> dict[str, str]:
    """Per procedure, the state that tells most: filed over handed over over anything being prepared."""
    rank = {state: 2 for state in FILED_STATES} | {"handed_over": 1}
    out: dict[str, str] = {}
    for a in applications:
        if not isinstance(a, dict):
            continue
        procedure, state = str(a.get("procedure")), str(a.get("state"))
        if rank.get(state, 0) > rank.get(out.get(procedure, ""), 0) or procedure not in out:
            out[procedure] = state
    return out


async def consoles_of(principal: Principal) -> list[str]:
    """The consoles this person may open (``supporter``, ``staff``), linked from their home."""
    from tenohira.core.db import get_database
    from tenohira.palm.interfaces import code_of
    from tenohira.supporters import roles_of

    try:
        async with get_database().session() as session:
            code = await code_of(session, principal)
            roles = {r.role for r in await roles_of(session, code, principal.card_serial)}
    except Problem:
        return []
    out = ["supporter"] if "supporter" in roles else []
    return out + (["staff"] if roles & {"staff", "administrator"} else [])


def _age_order(procedure_id: str) -> int:
    """The child's age (months) a check-up or vaccination notice is for; others after them."""
    from tenohira.procedures import load_catalogue

    try:
        schedule = load_catalogue().get(procedure_id).schedule
    except (KeyError, LookupError, Problem):
        return 10_000
    return schedule.from_age_months if schedule is not None else 10_000


def _notice_view(n: dict[str, Any], lang: Language, today: date) -> dict[str, Any]:
    procedure = str(n.get("procedure") or n.get("procedure_id") or "")
    deadline = _deadline(n.get("deadline"))
    days = (deadline - today).days if deadline else None
    state = str(n.get("state") or n.get("status") or "")
    kind = str(n.get("kind") or "procedure")
    return {
        "id": str(n.get("id") or procedure),
        "procedure": procedure,
        "name": procedure_name(procedure, lang) if procedure else (as_text(n.get("title"), lang) or ""),
        "deadline": deadline,
        "days": days,
        "urgent": days is not None and days <= URGENT_DAYS,
        "overdue": days is not None and days < 0,
        "amount": n.get("monthly_amount") or n.get("amount"),
        "monthly": bool(n.get("monthly_amount")) or n.get("amount_period") in ("monthly", "month"),
        "explanation": words.sentence(as_text(n.get("explanation"), lang), lang),
        "legal_basis": words.legal_basis(as_text(n.get("legal_basis"), lang), lang),
        "state": state,
        "filed": False,
        "handed_over": False,
        "doable": kind == "procedure" and state not in ("done", "filed", "submitted", "dismissed"),
    }


@router.post("/notices/{notice_id}/dismiss")
async def dismiss_notice(request: Request, notice_id: str) -> Response:
    """Hide a notice the resident has dealt with elsewhere (the palm keeps it, marked dismissed)."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    await form_of(request)
    async with PlatformApi(request) as api:
        try:
            await api.post(f"/api/notices/{notice_id}/dismiss")
        except ApiError as exc:
            return problem_page(request, exc, principal, "home")
    return RedirectResponse("/", status_code=303)


@router.get("/bundles/new", response_class=HTMLResponse)
async def new_bundle(request: Request) -> Response:
    """Confirm "do them for me" for the procedures in the query (from a notice list or the assistant)."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    lang = language(request)
    chosen = [p for p in request.query_params.getlist("procedure") if p][:20]
    items = [{"procedure": p, "name": procedure_name(p, lang)} for p in chosen]
    return render(request, "bundle_new.html", {"active": "home", "items": items}, principal=principal)


@router.post("/bundles")
async def create_bundle(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    chosen = form.get("procedure") or []
    procedures = [chosen] if isinstance(chosen, str) else list(chosen)
    procedures = [p for p in procedures if p][:20]
    if not procedures:
        return RedirectResponse("/", status_code=303)
    async with PlatformApi(request) as api:
        try:
            bundle = await api.post(
                "/api/applications/bundles", json={"procedures": procedures, "answers": {}}
            )
        except ApiError as exc:
            return problem_page(request, exc, principal, "home")
    return RedirectResponse(f"/bundles/{bundle['id']}", status_code=303)


@router.get("/bundles/{bundle_id}", response_class=HTMLResponse)
async def bundle_page(
    request: Request, bundle_id: str, error: str | None = None, status: int = 200
) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    async with PlatformApi(request) as api:
        try:
            bundle = await api.get(f"/api/applications/bundles/{bundle_id}")
        except ApiError as exc:
            return problem_page(request, exc, principal, "home")
    return show_bundle(request, principal, bundle, error=error, status=status)


def show_bundle(
    request: Request,
    principal: Principal,
    bundle: dict[str, Any],
    *,
    error: str | None = None,
    submitted: bool = False,
    typed: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The set's page: its questions, or (open) exactly what the card will sign, or its results."""
    lang = language(request)
    signing: list[dict[str, Any]] = []
    if bundle["state"] == "open" and bundle.get("manifest"):
        try:
            signing = to_be_signed(bundle["manifest"], bundle["applications"], lang)
        except EnvelopeError:
            error, signing = translate("document_mismatch", lang), []
    listed = {a["id"] for a in signing}
    apps = [_application_view(a, lang) for a in bundle["applications"] if a["id"] not in listed]
    questions = _questions(bundle["applications"], lang, submitted=submitted, typed=typed)
    return render(
        request,
        "bundle.html",
        {
            "active": "home",
            "bundle": bundle,
            "apps": apps,
            "signing": signing,
            "questions": questions,
            "held": held_errors(bundle["applications"], lang) if bundle["state"] == "incomplete" else [],
            "error": error,
            "has_card": card_of(principal) is not None,
        },
        principal=principal,
        status_code=status,
    )


def to_be_signed(
    manifest_b64: str, applications: list[dict[str, Any]], lang: Language
) -> list[dict[str, Any]]:
    """What the card will sign, application by application, in words: read from each frozen
    document whose digest the manifest lists (the very bytes each agency receives), never from
    the application's current fields. Raises :class:`EnvelopeError` when a listed document is
    missing or does not match its digest (then nothing is offered for signing)."""
    manifest = base64.b64decode(manifest_b64)
    by_id = {a["id"]: a for a in applications}
    out = []
    for entry in parse_manifest(manifest):
        a = by_id.get(entry.application_id)
        if a is None or not a.get("document"):
            raise EnvelopeError(
                "document-missing", "A listed document is missing", "署名する申請書がありません"
            )
        doc = check_envelope(base64.b64decode(a["document"]), manifest, agency=entry.agency)
        out.append(_application_view({**a, "procedure": doc["procedure"], "fields": doc["fields"]}, lang))
    return out


def _manifest_changed(form: dict[str, Any], sha256: str | None) -> bool:
    """The manifest is no longer the one the page showed (changed in another tab meanwhile)."""
    shown = str(form.get("manifest_sha256") or "")
    return not sha256 or shown != sha256


def field_message(error: dict[str, Any], lang: Language) -> str:
    """A field error of the platform (``message`` in English, ``message_ja``, ``message_easy_ja``
    with reading marks) in ``lang``."""
    if lang == "en":
        return str(error.get("message") or error.get("message_ja") or "")
    if lang == "easy_ja" and error.get("message_easy_ja"):
        return str(error["message_easy_ja"])
    return str(error.get("message_ja") or error.get("message") or "")


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(str(v or "").strip() for v in value.values())
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def typed_value(kind: str, form: dict[str, Any], name: str) -> Any:
    """What the resident typed for a question, as typed (to put back into the form after an error)."""
    if kind == "bank_account":
        return {
            k: str(form.get(f"{name}.{k}") or "")[:MAX_TEXT] for k in ("bank", "branch", "type", "number")
        }
    value = form.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")[:MAX_TEXT]


def _questions(
    applications: list[dict[str, Any]],
    lang: Language,
    *,
    submitted: bool = False,
    typed: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The fields still missing or wrong across the set, each asked once, with its value (what the
    resident typed, else what was kept) and the checks' messages in ``lang``.

    Before the resident has sent the form (``submitted`` false) an empty field carries no message:
    "required" is said only after a try; a value kept from before is still checked and said wrong.
    """
    seen: dict[str, dict[str, Any]] = {}
    for a in applications:
        missing = a.get("missing", [])
        fields = a.get("fields") or {}
        for q in a.get("questions", []):
            name = q["name"]
            if name in seen or name not in {m.get("field") for m in missing}:
                continue
            value = typed[name] if typed is not None and name in typed else fields.get(name)
            errors: list[str]
            if _empty(value):
                errors = [translate("required", lang)] if submitted else []
            else:
                errors = [field_message(m, lang) for m in missing if m.get("field") == name]
            labels = field_labels(a["procedure"], lang)
            seen[name] = {
                **q,
                "label": labels.get(name) or (q["label_en"] if lang == "en" else q["label_ja"]),
                "options": [
                    (c, words.field_value(a["procedure"], name, c, lang)) for c in q.get("choices") or []
                ],
                "value": value if value is not None else "",
                "errors": errors,
            }
    return list(seen.values())


def held_errors(applications: list[dict[str, Any]], lang: Language) -> list[Any]:
    """What is wrong in a field an agency filled in (the resident cannot type over it): said with
    the agency that holds it, so the page is never a form with nothing to correct."""
    out: list[Any] = []
    for a in applications:
        asked = {q["name"] for q in a.get("questions", [])}
        labels = field_labels(a["procedure"], lang)
        for m in a.get("missing", []):
            name = str(m.get("field") or "")
            source = (a.get("sources") or {}).get(name)
            if name in asked or not source:
                continue
            member = source if isinstance(source, str) else (source or {}).get("member", "")
            out.append(
                translate(
                    "held_by_agency",
                    lang,
                    label=plain(labels.get(name) or wording.label("field", name, lang)),
                    agency=plain(words.agency_words(member, lang)),
                    message=plain(field_message(m, lang)),
                )
            )
    return list(dict.fromkeys(out))


def parse_answer(kind: str, form: dict[str, Any], name: str) -> Any:
    """A form value as the API expects it for a question of type ``kind`` (None if left empty)."""
    if kind == "bank_account":
        parts = {
            k: str(form.get(f"{name}.{k}") or "").strip()[:100] for k in ("bank", "branch", "type", "number")
        }
        return parts if any(parts.values()) else None
    value = form.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value or "").strip()[:MAX_TEXT]
    if kind == "boolean":
        return text in ("1", "true", "yes", "on") if text else None
    if not text:
        return None
    if kind in ("amount", "count", "weight_g"):
        digits = text.replace(",", "").replace("，", "")
        return int(digits) if digits.isdigit() else text
    return text


@router.post("/bundles/{bundle_id}/answers")
async def answer_bundle(request: Request, bundle_id: str) -> Response:
    """Answers to the set's questions; every check the agencies make runs now, before signing: a
    set still incomplete comes back at once with each field's message and what was typed."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    async with PlatformApi(request) as api:
        try:
            bundle = await api.get(f"/api/applications/bundles/{bundle_id}")
            answers: dict[str, Any] = {}
            typed: dict[str, Any] = {}
            for a in bundle["applications"]:
                for q in a.get("questions", []):
                    typed.setdefault(q["name"], typed_value(q["type"], form, q["name"]))
                    value = parse_answer(q["type"], form, q["name"])
                    if value is not None and q["name"] not in answers:
                        answers[q["name"]] = value
            bundle = await api.patch(f"/api/applications/bundles/{bundle_id}", json={"answers": answers})
        except ApiError as exc:
            if exc.status == 422:
                return await bundle_page(request, bundle_id, error=exc.message(language(request)), status=422)
            return problem_page(request, exc, principal, "home")
    if bundle.get("state") == "incomplete":
        return show_bundle(request, principal, bundle, submitted=True, typed=typed, status=422)
    return RedirectResponse(f"/bundles/{bundle_id}", status_code=303)


# The real card's rule (JPKI 署名用電子証明書のパスワード): 6 to 16 characters, upper-case letters
# A–Z and digits, at least one of each. Lower case is refused, not silently upper-cased: what the
# resident types here must be what works on any other JPKI software.
SIGNING_PASSWORD = re.compile(r"(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{6,16}")


def sign_with_card(card: DemoCard, password: str, data: bytes) -> bytes:
    """The card signs ``data`` after checking its signing password (server-side card reader).

    A password that breaks the card's rule never reaches the card (no try is used up)."""
    if not SIGNING_PASSWORD.fullmatch(password):
        raise InvalidSecretFormat("password")
    return CardSimulator.open(card.directory).sign(password, data)


def _password_error(exc: Exception, lang: Language, password: str = "") -> str:
    if isinstance(exc, InvalidSecretFormat) and any(c.islower() for c in password):
        return translate("password_lowercase", lang)
    if isinstance(exc, WrongSecret):
        return translate("password_wrong", lang, tries=exc.tries_left)
    if isinstance(exc, CardLocked):
        return translate("password_locked", lang)
    return translate("password_format", lang)


@router.post("/bundles/{bundle_id}/sign")
async def sign_bundle(request: Request, bundle_id: str) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    card = card_of(principal)
    if card is None:
        return await bundle_page(request, bundle_id, error=translate("no_card_reader", lang), status=409)
    password = str(form.get("password") or "").strip()
    async with PlatformApi(request) as api:
        try:
            bundle = await api.get(f"/api/applications/bundles/{bundle_id}")
            if bundle["state"] == "open" and _manifest_changed(form, bundle.get("sha256")):
                return show_bundle(
                    request, principal, bundle, error=translate("manifest_changed", lang), status=409
                )
            if bundle["state"] == "open" and bundle.get("manifest"):
                try:
                    signature = await asyncio.to_thread(
                        sign_with_card, card, password, base64.b64decode(bundle["manifest"])
                    )
                except (WrongSecret, CardLocked, InvalidSecretFormat) as exc:
                    status = 423 if isinstance(exc, CardLocked) else 422
                    return await bundle_page(
                        request, bundle_id, error=_password_error(exc, lang, password), status=status
                    )
                await api.post(
                    f"/api/applications/bundles/{bundle_id}/signature",
                    json={"signature": base64.b64encode(signature).decode()},
                )
        except ApiError as exc:
            return problem_page(request, exc, principal, "home")
    return RedirectResponse(f"/bundles/{bundle_id}", status_code=303)


# --- the birth notification ------------------------------------------------------------------


def wallet_key(card: DemoCard) -> Any:
    """The demo wallet key kept beside the demo card (the resident's phone would hold it)."""
    from cryptography.hazmat.primitives import serialization

    from tenohira.credentials import generate_key

    path = card.directory / "wallet.key.pem"
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), None)
    key = generate_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return key


BIRTH_DISCLOSE = [
    "sex",
    "birth_datetime",
    "birth_place",
    "certifier",
    "mother_name",
    "birth_weight_g",
    "plurality",
]


async def filed_birth_notification(api: PlatformApi) -> str | None:
    """The id of a birth notification the resident filed in the last :data:`SAME_BIRTH_DAYS` days
    (the page says so rather than offer it again; a later birth is a new notification)."""
    try:
        mine = await api.get("/api/applications")
    except ApiError:
        return None
    for a in mine.get("applications", []):
        if (
            isinstance(a, dict)
            and a.get("procedure") == "birth_notification"
            and a.get("state") in FILED_STATES
        ):
            submitted = _deadline(a.get("submitted_at"))
            if submitted is None or (today_jst() - submitted).days <= SAME_BIRTH_DAYS:
                return str(a["id"])
    return None


@router.get("/birth", response_class=HTMLResponse)
async def birth_page(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    async with PlatformApi(request) as api:
        filed = await filed_birth_notification(api)
    return render(
        request,
        "birth.html",
        {"active": "applications", "values": {}, "errors": {}, "filed": filed},
        principal=principal,
    )


@router.post("/birth")
async def birth(request: Request) -> Response:
    """Start the birth notification: the hospital's digital birth certificate (presented with the
    demo wallet's key binding), the names typed here, everything else prefilled through the hub."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    values = {k: str(form.get(k) or "").strip()[:100] for k in ("child_name", "child_name_kana", "relation")}
    errors: dict[str, str] = {}
    if not values["child_name"]:
        errors["child_name"] = translate("required", lang)
    if not values["child_name_kana"]:
        errors["child_name_kana"] = translate("required", lang)
    if values["relation"] not in ("mother", "father", "other"):
        values["relation"] = "mother"
    card = card_of(principal)
    if card is None:
        errors["card"] = translate("no_card_reader", lang)
    if errors or card is None:
        return render(
            request,
            "birth.html",
            {"active": "applications", "values": values, "errors": errors},
            principal=principal,
            status_code=422,
        )
    from tenohira.credentials import present, public_jwk

    async with PlatformApi(request) as api:
        try:
            key = await asyncio.to_thread(wallet_key, card)
            got = await api.post(
                "/api/applications/credentials/birth-certificate", json={"holder_jwk": public_jwk(key)}
            )
            certificate = got["certificates"][0]["credential"]
            app = await api.post(
                "/api/applications",
                json={
                    "procedure": "birth_notification",
                    "fields": {
                        "child_name": values["child_name"],
                        "child_name_kana": values["child_name_kana"],
                        "relation_to_child": values["relation"],
                    },
                },
            )
            nonce = await api.get("/api/applications/credentials/presentation-nonce")
            presentation = present(
                certificate,
                holder_key=key,
                audience=nonce["audience"],
                nonce=nonce["nonce"],
                disclose=BIRTH_DISCLOSE,
            )
            await api.patch(
                f"/api/applications/{app['id']}",
                json={"fields": {"birth_certificate": presentation, "presentation_nonce": nonce["nonce"]}},
            )
            await api.post(f"/api/applications/{app['id']}/confirm")
        except ApiError as exc:
            if exc.status == 422:
                field_errors = {
                    str(e.get("field")): field_message(e, lang)
                    for e in exc.problem.get("errors", [])
                    if isinstance(e, dict)
                }
                return render(
                    request,
                    "birth.html",
                    {
                        "active": "applications",
                        "values": values,
                        "errors": field_errors or {"form": exc.message(lang)},
                    },
                    principal=principal,
                    status_code=422,
                )
            return problem_page(request, exc, principal, "applications")
    return RedirectResponse(f"/applications/{app['id']}/sign", status_code=303)


@router.get("/applications/{application_id}/sign", response_class=HTMLResponse)
async def sign_page(request: Request, application_id: str, error: Any = None, status: int = 200) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    lang = language(request)
    async with PlatformApi(request) as api:
        try:
            app = await api.get(f"/api/applications/{application_id}")
            if app["state"] not in ("confirmed", "signed"):
                return RedirectResponse(f"/applications/{application_id}", status_code=303)
            manifest = await api.get(f"/api/applications/{application_id}/manifest")
        except ApiError as exc:
            return problem_page(request, exc, principal, "applications")
    if len(manifest.get("applications", [])) > 1:  # one of a set: signed (and shown) with the set
        return RedirectResponse(f"/bundles/{manifest['bundle_id']}", status_code=303)
    try:  # what is shown is read from the document the manifest lists, as for a set
        shown = next(v for v in to_be_signed(manifest["manifest"], [app], lang) if v["id"] == app["id"])
    except (EnvelopeError, StopIteration):
        shown, error = None, translate("document_mismatch", lang)
    return render(
        request,
        "sign.html",
        {
            "active": "applications",
            "app": shown or _application_view(app, lang),
            "verified": shown is not None,
            "manifest_sha256": manifest["sha256"],
            "error": error,
        },
        principal=principal,
        status_code=status,
    )


@router.post("/applications/{application_id}/sign")
async def sign_application(request: Request, application_id: str) -> Response:
    """Sign the one-entry manifest with the card and submit (idempotent: the key is the manifest's)."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    card = card_of(principal)
    if card is None:
        return await sign_page(request, application_id, error=translate("no_card_reader", lang), status=409)
    password = str(form.get("password") or "").strip()
    async with PlatformApi(request) as api:
        try:
            app = await api.get(f"/api/applications/{application_id}")
            manifest = await api.get(f"/api/applications/{application_id}/manifest")
            if app["state"] == "confirmed":
                if _manifest_changed(form, manifest.get("sha256")):
                    return await sign_page(
                        request, application_id, error=translate("manifest_changed", lang), status=409
                    )
                try:
                    signature = await asyncio.to_thread(
                        sign_with_card, card, password, base64.b64decode(manifest["manifest"])
                    )
                except (WrongSecret, CardLocked, InvalidSecretFormat) as exc:
                    status = 423 if isinstance(exc, CardLocked) else 422
                    return await sign_page(
                        request, application_id, error=_password_error(exc, lang, password), status=status
                    )
                await api.post(
                    f"/api/applications/{application_id}/signature",
                    json={"signature": base64.b64encode(signature).decode()},
                )
            key = "web-" + hashlib.sha256(f"{application_id}:{manifest['sha256']}".encode()).hexdigest()[:40]
            await api.post(f"/api/applications/{application_id}/submit", headers={"Idempotency-Key": key})
        except ApiError as exc:
            return problem_page(request, exc, principal, "applications")
    return RedirectResponse(f"/applications/{application_id}", status_code=303)


# --- applications ----------------------------------------------------------------------------


def as_text(value: Any, lang: Language) -> str | None:
    """Text for the screen from a string, a {ja, en, easy_ja} mapping or a list of those."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        picked = value.get(lang) or value.get("ja") or value.get("en")
        return as_text(picked, lang) if picked is not None else None
    if isinstance(value, list):
        parts = [as_text(v, lang) for v in value]
        return wording.join([p for p in parts if p], lang) or None
    return str(value)


def field_labels(procedure_id: str, lang: Language) -> dict[str, str]:
    """The catalogue's label of each field of a procedure, in ``lang``."""
    from tenohira.procedures import load_catalogue

    try:
        fields = load_catalogue().get(procedure_id).fields
    except (KeyError, LookupError, Problem):
        return {}
    return {f.name: str(as_text(f.label.model_dump(), lang) or f.name) for f in fields}


def shown_fields(a: dict[str, Any], lang: Language) -> list[dict[str, str]]:
    """An application's fields in words: the catalogue's label, the value by its type, and which
    agency it was filled in from (never a field name, a code or an ISO date)."""
    labels = field_labels(a["procedure"], lang)
    sources = a.get("sources") or {}
    shown = []
    for name, value in (a.get("fields") or {}).items():
        if name in ("birth_certificate", "presentation_nonce"):
            continue
        source = sources.get(name)
        member = source if isinstance(source, str) else (source or {}).get("member", "")
        shown.append(
            {
                "label": labels.get(name) or wording.label("field", name, lang),
                "value": words.field_value(a["procedure"], name, value, lang),
                "source": words.agency_words(member, lang) if member else "",
            }
        )
    return shown


def _application_view(a: dict[str, Any], lang: Language) -> dict[str, Any]:
    decision = a.get("decision") or {}
    reasons = [
        words.sentence(as_text(r, lang), lang)
        for r in decision.get("reasons", []) or []
        if isinstance(r, dict | str)
    ]
    what = words.sentence(as_text(decision.get("what_to_do"), lang), lang)
    basis = words.legal_basis(as_text(decision.get("legal_basis"), lang), lang)
    return {
        "id": a["id"],
        "procedure": a["procedure"],
        "name": procedure_name(a["procedure"], lang),
        "state": a["state"],
        "status": a.get("status") or a["state"],
        "agency": a.get("deciding_agency"),
        "fields": {
            k: v
            for k, v in (a.get("fields") or {}).items()
            if k not in ("birth_certificate", "presentation_nonce")
        },
        "sources": a.get("sources") or {},
        "labels": field_labels(a["procedure"], lang),
        "shown": shown_fields(a, lang),
        "flags": a.get("flags") or [],
        "reference": a.get("agency_reference"),
        "reasons": [r for r in reasons if r],
        "amount": decision.get("monthly_amount") or decision.get("amount"),
        "monthly": bool(decision.get("monthly_amount")),
        "legal_basis": basis,
        "what_to_do": what,
        "late": bool(decision.get("late")),
        "updated_at": a.get("updated_at"),
        "submitted_at": a.get("submitted_at"),
    }


@router.post("/applications/{application_id}/answers")
async def answer_application(request: Request, application_id: str) -> Response:
    """Answer what an application still misses (one no agency holds), then confirm it and go to signing."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    async with PlatformApi(request) as api:
        try:
            app = await api.get(f"/api/applications/{application_id}")
            fields: dict[str, Any] = {}
            typed: dict[str, Any] = {}
            for q in app.get("questions", []):
                typed[q["name"]] = typed_value(q["type"], form, q["name"])
                value = parse_answer(q["type"], form, q["name"])
                if value is not None:
                    fields[q["name"]] = value
            if fields:
                app = await api.patch(f"/api/applications/{application_id}", json={"fields": fields})
            if not app.get("missing"):
                await api.post(f"/api/applications/{application_id}/confirm")
                return RedirectResponse(f"/applications/{application_id}/sign", status_code=303)
        except ApiError as exc:
            if exc.status == 422:
                return await application(request, application_id, error=exc.message(lang), status=422)
            return problem_page(request, exc, principal, "applications")
    if app.get("state") in ("draft", "prefilled"):  # still missing or wrong: say so, keep what was typed
        return await application(request, application_id, status=422, typed=typed)
    return RedirectResponse(f"/applications/{application_id}", status_code=303)


@router.get("/applications", response_class=HTMLResponse)
async def applications(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    lang = language(request)
    async with PlatformApi(request) as api:
        try:
            body = await api.get("/api/applications")
        except ApiError as exc:
            return problem_page(request, exc, principal, "applications")
    views = [_application_view(a, lang) for a in body.get("applications", [])]
    # drafts apart (dated, deletable); withdrawn ones are history, not work: kept off the list
    drafts = [a for a in views if a["state"] in ("draft", "prefilled")]
    apps = [a for a in views if a["state"] not in ("draft", "prefilled", "withdrawn")]
    context = {"active": "applications", "apps": apps, "drafts": drafts}
    return render(request, "applications.html", context, principal=principal)


@router.post("/applications/{application_id}/delete")
async def delete_draft(request: Request, application_id: str) -> Response:
    """Delete a draft the resident no longer wants (withdrawn in the palm, kept in its history)."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    await form_of(request)
    async with PlatformApi(request) as api:
        try:
            app = await api.get(f"/api/applications/{application_id}")
            if app["state"] not in ("draft", "prefilled"):
                raise ApiError(
                    409, {"title": "Only a draft can be deleted", "title_ja": "下書きだけ削除できます"}
                )
            await api.post(f"/api/applications/{application_id}/withdraw", json={"reason": "draft deleted"})
        except ApiError as exc:
            return problem_page(request, exc, principal, "applications")
    return RedirectResponse("/applications", status_code=303)


@router.get("/applications/{application_id}", response_class=HTMLResponse)
async def application(
    request: Request,
    application_id: str,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, Any] | None = None,
) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    lang = language(request)
    async with PlatformApi(request) as api:
        try:
            app = await api.get(f"/api/applications/{application_id}")
            history = await api.get(f"/api/applications/{application_id}/history")
        except ApiError as exc:
            return problem_page(request, exc, principal, "applications")
    return render(
        request,
        "application.html",
        {
            "active": "applications",
            "app": _application_view(app, lang),
            "history": history.get("history", []),
            "questions": _questions([app], lang, submitted=typed is not None, typed=typed)
            if app["state"] in ("draft", "prefilled")
            else [],
            "editable": app["state"] in ("draft", "prefilled"),
            "held": held_errors([app], lang) if app["state"] in ("draft", "prefilled") else [],
            "error": error,
        },
        principal=principal,
        status_code=status,
    )


# --- access history ---------------------------------------------------------------------------


def history_view(raw: list[Any], lang: Language) -> list[dict[str, Any]]:
    """Access-history entries for the page, in words (agencies, services, purposes, legal basis).

    An entry marked ``third_party`` would reveal someone else's private affairs (who else lives
    in the household, …): it shows only when and under which law, not who asked whom, nor what.
    """
    entries = []
    for e in raw:
        if not isinstance(e, dict):
            continue
        third = bool(e.get("third_party"))
        service = e.get("service")
        if e.get("kind") == "supporter":  # what a supporter or staff member did: in words
            entries.append(_action_view(e, lang))
            continue
        if e.get("kind") == "release":  # facts sent to another service (web.oidc_pages): words already
            entries.append(
                {
                    "at": e.get("at"),
                    "day": _japan_day(e.get("at")),
                    "third_party": False,
                    "legal_basis": e.get("legal_basis") or "",
                    "client": e.get("client_name"),
                    "provider": e.get("provider_name"),
                    "service": e.get("service"),
                    "purpose": e.get("purpose"),
                    "outcome": None,
                }
            )
            continue
        entries.append(
            {
                "at": e.get("at"),
                "day": _japan_day(e.get("at")),
                "third_party": third,
                "legal_basis": words.legal_basis(e.get("legal_basis"), lang),
                "client": None if third else _member_name(e, "client", lang),
                "provider": None if third else _member_name(e, "provider", lang),
                "service": None if third or not service else words.service_words(service, lang),
                "purpose": None if third or not e.get("purpose") else words.purpose_words(e["purpose"], lang),
                "outcome": None if third else e.get("outcome"),
            }
        )
    return entries


def _action_view(e: dict[str, Any], lang: Language) -> dict[str, Any]:
    role = str(e.get("client") or "").split(":", 1)[0]
    name = str(e.get("client_name") or "").split(" ", 1)[-1]
    purpose = str(e.get("purpose") or "")
    why = "delegation" if purpose.startswith("delegation") else f"role:{role}"
    return {
        "at": e.get("at"),
        "day": _japan_day(e.get("at")),
        "third_party": False,
        "legal_basis": "",
        "client": f"{wording.label('role', role, lang)} {name}".strip(),
        "provider": words.agency_words("palm", lang),
        "service": wording.label("action", str(e.get("service") or "").split(" ", 1)[0], lang),
        "purpose": wording.label("purpose", why, lang),
        "outcome": e.get("outcome"),
    }


def _japan_day(at: Any) -> str:
    """The day (in Japan) of a timestamp, for grouping; naive timestamps are UTC."""
    try:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST).date().isoformat()


def _member_name(e: dict[str, Any], role: str, lang: Language) -> str:
    """A member by its own name in Japanese; in English (and for ids) by the labels data."""
    name = e.get(f"{role}_name")
    if name and lang != "en":
        return str(name)
    return words.agency_words(e.get(role) or "", lang)


HISTORY_PAGE_SIZE = 20


@router.get("/access-history", response_class=HTMLResponse)
async def access_history(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    async with PlatformApi(request) as api:
        try:
            body = await api.get("/api/palm/access-history")
            # what digital supporters and staff did about me belongs in the same history
            actions = await api.get("/api/supporters/actions")
            releases = await oidc_releases(api, language(request))  # facts sent to other services
        except ApiError as exc:
            return problem_page(request, exc, principal, "history")
    merged = [*body.get("entries", []), *actions.get("entries", []), *releases]
    merged.sort(key=lambda e: str(e.get("at") or "") if isinstance(e, dict) else "", reverse=True)
    entries = history_view(merged, language(request))
    pages = max(1, -(-len(entries) // HISTORY_PAGE_SIZE))
    try:
        page = min(max(1, int(request.query_params.get("page", "1"))), pages)
    except ValueError:
        page = 1
    shown = entries[(page - 1) * HISTORY_PAGE_SIZE : page * HISTORY_PAGE_SIZE]
    days: list[dict[str, Any]] = []
    for entry in shown:  # grouped by the day (newest first), as the resident scans it
        if not days or days[-1]["day"] != entry["day"]:
            days.append({"day": entry["day"], "entries": []})
        days[-1]["entries"].append(entry)
    context = {"active": "history", "entries": shown, "days": days, "page": page, "pages": pages}
    return render(request, "history.html", context, principal=principal)


# --- the assistant ------------------------------------------------------------------------------


@router.get("/assistant", response_class=HTMLResponse)
async def assistant(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    conversation_id = request.query_params.get("c", "")[:64]
    conversation = None
    if conversation_id:
        async with PlatformApi(request) as api:
            try:
                conversation = await api.get(f"/api/assistant/conversations/{conversation_id}")
            except ApiError as exc:
                return problem_page(request, exc, principal, "assistant")
    return render(
        request,
        "assistant.html",
        {"active": "assistant", "conversation": conversation, "conversation_id": conversation_id},
        principal=principal,
    )


@router.post("/assistant")
async def assistant_send(request: Request) -> Response:
    """One message (typed, or a suggested answer's button); starts a conversation if needed."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    sent = form.get("text")
    text = next((v for v in sent if v.strip()), "") if isinstance(sent, list) else str(sent or "")
    conversation_id = str(form.get("c") or "")[:64]
    async with PlatformApi(request) as api:
        try:
            if not conversation_id:
                started = await api.post("/api/assistant/conversations", json={"language": language(request)})
                conversation_id = started["id"]
            if text.strip():
                await api.post(
                    f"/api/assistant/conversations/{conversation_id}/messages", json={"text": text}
                )
        except ApiError as exc:
            return problem_page(request, exc, principal, "assistant")
    return RedirectResponse(f"/assistant?c={conversation_id}#latest", status_code=303)


# --- a person to talk to ----------------------------------------------------------------------


@router.post("/help")
async def help_request(request: Request) -> Response:
    """The "talk to a person" button of every page: a help request for the digital supporters."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    from tenohira.core.db import get_database
    from tenohira.palm import contact_of
    from tenohira.palm.interfaces import code_of
    from tenohira.supporters import help_reference, request_help

    page = str(form.get("page") or "")[:200]
    now = datetime.now(UTC).isoformat()
    try:
        async with get_database().session() as session:
            code = await code_of(session, principal)
            email, _ = await contact_of(session, code)
        card = card_of(principal)
        # who is asking and how to answer them: the supporter should not have to ask again
        # (kept in the sealed transcript, readable only by the supporter who takes the request)
        reach = email or str(translate("help_contact_inbox", "ja"))
        who = (
            f"{card.name}（{card.name_kana}）"
            if card is not None
            else str(translate("help_contact_card", "ja"))
        )
        transcript = [
            {"role": "contact", "text": f"{who} · {reach}", "at": now},
            {"role": "system", "text": str(translate("help_from_page", "ja", page=page or "/")), "at": now},
        ]
        async with get_database().session() as session:
            made = await request_help(
                session, code, f"web:{page}" if page.startswith("/") else "web", transcript, language=lang
            )
            reference = help_reference(made.id)
    except Problem as exc:
        problem = {
            "title": exc.title,
            "title_ja": exc.title_ja,
            "detail": exc.detail,
            "detail_ja": exc.detail_ja,
        }
        return problem_page(request, ApiError(exc.status, problem), principal)
    context = {"flash": translate("help_sent", lang), "reference": reference}
    return render(request, "help_sent.html", context, principal=principal)
