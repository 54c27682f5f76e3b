"""The email address setting with verification (issue #13 item 4).

The resident types an address; a code (and a link carrying it) goes to that address through
notify, as every other email does (the local mailbox in the embedded default, SMTP in
production). Only when the code comes back is the address saved (``PUT /api/palm/contact``).
Nothing is stored before that: the pending address travels in a cookie sealed with the web's
secret (HMAC over the address, the code's digest, the card and the expiry), so a code works
only for the address it was sent to, in the browser that asked, for 30 minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tenohira.core.config import get_settings
from tenohira.web.citizen import current, form_of, problem_page, to_login
from tenohira.web.i18n import translate
from tenohira.web.pages import language, render
from tenohira.web.platform_api import ApiError, PlatformApi
from tenohira.web.security import _secret

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "tenohira_email_pending"
VALID_SECONDS = 30 * 60
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _mac(email: str, code: str, serial: str, expires: int) -> str:
    message = f"{email}\n{hashlib.sha256(code.encode()).hexdigest()}\n{serial}\n{expires}".encode()
    return hmac.new(_secret(get_settings()), message, hashlib.sha256).hexdigest()


def _pending(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        return None
    if not isinstance(data, dict) or int(data.get("expires", 0)) < time.time():
        return None
    return {k: str(v) for k, v in data.items()}


async def _page(
    request: Request, *, error: str | None = None, typed: str = "", status: int = 200
) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    async with PlatformApi(request) as api:
        try:
            contact = await api.get("/api/palm/contact")
        except ApiError as exc:
            return problem_page(request, exc, principal, "settings")
    lang = language(request)
    flash = None
    if request.query_params.get("verified"):
        flash = translate("email_verified", lang)
    elif request.query_params.get("sent"):
        flash = translate("email_code_sent", lang)
    context = {
        "active": "settings",
        "current": contact.get("email"),
        "pending": _pending(request),
        "error": error,
        "typed": typed,
        "code": str(request.query_params.get("code") or "")[:12],
        "flash": flash,
    }
    return render(request, "email.html", context, principal=principal, status_code=status)


@router.get("/settings/email", response_class=HTMLResponse)
async def email_page(request: Request) -> Response:
    return await _page(request)


@router.post("/settings/email")
async def send_code(request: Request) -> Response:
    """Send a code to the typed address (nothing is saved until it comes back)."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    email = str(form.get("email") or "").strip()[:254]
    if not EMAIL.match(email):
        return await _page(request, error=str(translate("email_invalid", lang)), typed=email, status=422)
    from tenohira.core.db import get_database
    from tenohira.notify import send
    from tenohira.palm import recipient_for
    from tenohira.palm.interfaces import code_of

    code = f"{secrets.randbelow(10**8):08d}"
    expires = int(time.time()) + VALID_SECONDS
    link = f"{get_settings().resolved_base_url}/settings/email?code={code}"
    async with get_database().session() as session:
        palm_code = await code_of(session, principal)
        await send(
            session,
            recipient=recipient_for(palm_code),
            template="email_verification",
            language="en" if lang == "en" else "ja",
            params={"code": code, "url": link, "minutes": VALID_SECONDS // 60},
            email=email,
        )
    sealed = {"email": email, "expires": expires, "mac": _mac(email, code, principal.card_serial, expires)}
    response = RedirectResponse("/settings/email?sent=1", status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        base64.urlsafe_b64encode(json.dumps(sealed).encode()).decode(),
        max_age=VALID_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/settings",
    )
    return response


@router.post("/settings/email/verify")
async def verify_code(request: Request) -> Response:
    """Save the address once its code comes back."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    lang = language(request)
    code = re.sub(r"\D", "", str(form.get("code") or ""))[:8]
    pending = _pending(request)
    if pending is None:
        return await _page(request, error=str(translate("email_code_expired", lang)), status=422)
    expected = _mac(pending["email"], code, principal.card_serial, int(pending["expires"]))
    if not hmac.compare_digest(expected, pending.get("mac", "")):
        return await _page(request, error=str(translate("email_code_wrong", lang)), status=422)
    async with PlatformApi(request) as api:
        try:
            await api.put("/api/palm/contact", json={"email": pending["email"]})
        except ApiError as exc:
            return problem_page(request, exc, principal, "settings")
    response = RedirectResponse("/settings/email?verified=1", status_code=303)
    response.delete_cookie(PENDING_COOKIE, path="/settings")
    return response
