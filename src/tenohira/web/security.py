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
from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenohira.core.config import Settings
from tenohira.core.problems import Problem

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)
CSRF_COOKIE = "tenohira_csrf"
CSRF_FIELD = "csrf_token"


_DEFAULT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class SecurityHeadersMiddleware:
    """Adds the security headers to every response (those the endpoint did not set itself).

    Pure ASGI (it only edits the ``http.response.start`` message): Starlette's
    ``BaseHTTPMiddleware`` runs every request in a task group of its own, which costs more than
    the rest of a small API request's framework work (bench/bench_push.py's profile).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https" or any(
            k == b"x-forwarded-proto" and v == b"https" for k, v in scope["headers"]
        )

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers}
                extra = [h for h in _DEFAULT_HEADERS if h[0] not in present]
                if tls and _HSTS[0] not in present:
                    extra.append(_HSTS)
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"cache-control" not in present:
                    extra += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


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
