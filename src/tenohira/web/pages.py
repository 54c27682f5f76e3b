"""Rendering pages: language, text size, CSRF token and the principal in every template."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from tenohira.core import wording
from tenohira.core.config import get_settings
from tenohira.core.problems import Problem
from tenohira.web import words
from tenohira.web.i18n import (
    LANGUAGE_COOKIE,
    SIZE_COOKIE,
    SIZES,
    Language,
    format_date,
    format_yen,
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
    """A state or decision of an application in words (from the labels data)."""
    return ruby(wording.label("status", status, lang))


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
    return ruby(words.agency_words(agency, lang))


_JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def text_lang(text: object, lang: Language) -> str:
    """The ``lang`` attribute for a text from elsewhere: ``ja`` when it is in Japanese (a legal
    citation, a message written in Japanese) on an English page, so screen readers say it right."""
    if lang == "en" and _JAPANESE_SCRIPT.search(plain(str(text or ""))):
        return "ja"
    return "en" if lang == "en" else "ja"


def paren(text: object, lang: Language) -> Markup:
    """Text in brackets for the language: （…） in Japanese, " (…)" in English; markup is kept."""
    inner = text if isinstance(text, Markup) else escape(str(text))
    return Markup(" (") + inner + Markup(")") if lang == "en" else Markup("（") + inner + Markup("）")


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
        "fdate": lambda d: ruby(format_date(d, lang)),
        "yen": lambda v: ruby(format_yen(v, lang)),
        "fdatetime": lambda v: ruby(format_datetime(v, lang)),
        "paren": lambda text: paren(text, lang),
        "text_lang": lambda text: text_lang(text, lang),
        "sentence": lambda text: ruby(words.sentence(text, lang)),
        "ruby": ruby,
        "status_label": lambda status: status_label(status, lang),
        "agency_label": lambda agency: agency_label(agency, lang),
        "procedure_label": lambda procedure: procedure_label(procedure, lang),
        "label": lambda kind, code: ruby(wording.label(kind, code, lang)),
        "agency_words": lambda agency: words.agency_words(agency, lang),
        "actor_label": lambda actor: ruby(words.actor_label(actor, lang)),
        "flash": None,
        "page_title": None,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    if new:
        response.set_cookie(
            CSRF_COOKIE, browser_value, httponly=True, samesite="strict", secure=request.url.scheme == "https"
        )
    return response


def error_page(request: Request, problem: Problem) -> Response:
    """A problem shown to a browser as a page in the resident's language (APIs keep problem+json).

    No principal is looked up here (it needs the database, which may be what failed); the page
    links home, which leads to the login page when the session is gone.
    """
    lang = language(request)
    if problem.status == 404:
        message = str(translate("not_found", lang))
    elif problem.status >= 500:
        message = str(translate("unavailable", lang))
    else:
        message = problem.title_ja if lang != "en" else problem.title
    response = render(
        request,
        "error.html",
        {"message": message, "page_title": translate("error_title", lang)},
        status_code=problem.status,
    )
    for name, value in (problem.headers or {}).items():
        response.headers[name] = value
    return response
