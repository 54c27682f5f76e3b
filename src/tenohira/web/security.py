"""Browser safety for every response: security headers, no caching of personal pages, CSRF.

- CSP without inline script (``script-src 'self'``), ``frame-ancestors 'none'``.
- HSTS only when served over TLS (it would lock a plain-HTTP demo out otherwise).
- Pages for a logged-in person are ``Cache-Control: no-store`` so that after logout
  nothing of the session is visible again, not even through the back button.
- CSRF: a token bound to the browser by an HMAC over a per-browser random value kept in
  a cookie (double submit, signed), checked on every form POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

from tenohira.core.config import Settings
from tenohira.core.problems import Problem

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)
CSRF_COOKIE = "tenohira_csrf"
CSRF_FIELD = "csrf_token"


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    """Adds the security headers to every response."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https":
            h.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        content_type = h.get("content-type", "")
        if content_type.startswith("text/html") and "cache-control" not in h:
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response


def _secret(settings: Settings) -> bytes:
    """A per-installation secret for CSRF tokens, created on first use under the data dir."""
    path = Path(settings.data_dir) / "web-secret"
    if not path.exists():
        settings.ensure_data_dir()
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def csrf_token(settings: Settings, browser_value: str) -> str:
    return hmac.new(_secret(settings), browser_value.encode(), hashlib.sha256).hexdigest()


def ensure_browser_value(request: Request) -> tuple[str, bool]:
    """The browser's random CSRF value, and whether it is new (to be set as a cookie)."""
    value = request.cookies.get(CSRF_COOKIE)
    if value and 16 <= len(value) <= 128:
        return value, False
    return secrets.token_urlsafe(32), True


def check_csrf(settings: Settings, request: Request, submitted: str | None) -> None:
    """Refuse a form POST whose token does not match this browser's (403 problem)."""
    value = request.cookies.get(CSRF_COOKIE)
    if not value or not submitted or not hmac.compare_digest(csrf_token(settings, value), submitted):
        raise Problem(
            403,
            "csrf",
            "The form has expired or did not come from this site",
            "フォームの有効期限が切れたか、このサイトからの送信ではありません",
            detail="Reload the page and try again.",
            detail_ja="ページを再読み込みして、もう一度お試しください。",
        )
