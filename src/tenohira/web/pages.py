"""Rendering pages: language, text size, CSRF token and the principal in every template."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tenohira.core import wording
from tenohira.core.config import get_settings
from tenohira.core.problems import Problem
from tenohira.web.i18n import (
    LANGUAGE_COOKIE,
    SIZE_COOKIE,
    SIZES,
    Language,
    format_date,
    format_yen,
    messages,
    pick_language,
    plain,
    ruby,
    translate,
)
from tenohira.web.security import CSRF_COOKIE, csrf_token, ensure_browser_value

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def language(request: Request) -> Language:
    return pick_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))


def status_label(status: str, lang: Language) -> str:
    """A state or decision of an application in words (the raw value if no message has it)."""
    key = f"state_{status}"
    return translate(key, lang) if key in messages() else status


def procedure_label(procedure_id: str, lang: Language) -> str:
    """The catalogue's name of a procedure in ``lang`` (the id if unknown)."""
    from tenohira.procedures import load_catalogue

    try:
        names = load_catalogue().get(procedure_id).names
    except (KeyError, LookupError, Problem):
        return procedure_id
    return str({"en": names.en, "easy_ja": names.easy_ja}.get(lang) or names.ja)


def agency_label(agency: object, lang: Language) -> str:
    """An agency (or a hub service ``agency.service``) by its name on screens."""
    text = str(agency or "")
    key = f"agency_{text.split('.', 1)[0]}"
    return translate(key, lang) if key in messages() else text


def format_datetime(value: object, lang: Language) -> str:
    """A timestamp for screens, in Japan time: the date in words plus hours:minutes."""
    try:
        return wording.datetime_words(value if isinstance(value, datetime) else str(value or ""), lang)
    except ValueError:
        return str(value)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Any = None,
    status_code: int = 200,
    idle_minutes: int | None = None,
) -> HTMLResponse:
    """Render ``template`` with the common context; sets the CSRF cookie on first visit."""
    settings = get_settings()
    lang = language(request)
    size = request.cookies.get(SIZE_COOKIE)
    browser_value, new = ensure_browser_value(request)
    ctx: dict[str, Any] = {
        "lang": lang,
        "size": size if size in SIZES else "normal",
        "sizes": SIZES,
        "principal": principal,
        "csrf": csrf_token(settings, browser_value),
        "idle_minutes": idle_minutes if idle_minutes is not None else settings.session_idle_minutes,
        "t": lambda key, **p: translate(key, lang, **p),
        "plain": plain,
        "fdate": lambda d: format_date(d, lang),
        "yen": lambda v: format_yen(v, lang),
        "fdatetime": lambda v: format_datetime(v, lang),
        "ruby": ruby,
        "status_label": lambda status: status_label(status, lang),
        "agency_label": lambda agency: agency_label(agency, lang),
        "procedure_label": lambda procedure: procedure_label(procedure, lang),
        "flash": None,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    if new:
        response.set_cookie(
            CSRF_COOKIE, browser_value, httponly=True, samesite="strict", secure=request.url.scheme == "https"
        )
    return response
