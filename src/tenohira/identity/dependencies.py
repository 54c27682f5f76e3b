"""FastAPI dependencies other modules use to know who is calling: a session from card login.

A web browser carries the session in the ``tenohira_session`` cookie (Secure, HttpOnly,
SameSite=Lax); an API client sends ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.db import get_database, session_dependency
from tenohira.core.problems import Problem
from tenohira.identity.service import Principal, principal_for_token

SESSION_COOKIE = "tenohira_session"


def token_from_request(request: Request) -> str | None:
    """The bearer token, else the session cookie, else None."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def _unauthenticated() -> Problem:
    return Problem(
        status=401,
        slug="unauthenticated",
        title="Login required",
        title_ja="ログインが必要です",
        detail="Log in with your card first (or your session has ended).",
        detail_ja="マイナンバーカードでログインしてください（またはセッションの有効期限が切れました）。",
        headers={"WWW-Authenticate": 'Bearer realm="tenohira"'},
    )


async def optional_principal(
    request: Request, session: AsyncSession = Depends(session_dependency)
) -> Principal | None:
    """The caller's principal, or None when not logged in.

    The session row is read, and its ``last_seen_at`` touched (every 30 s), in a short unit of
    work of its own, committed at once: left pending in the request's session, the touch held
    the embedded SQLite database's write lock through the request's hub calls, and the hub,
    sharing that database, waited 10 s for it per call and answered 500 ("database is locked").
    """
    token = token_from_request(request)
    if not token:
        return None
    async with get_database().session() as own:
        return await principal_for_token(own, token)


async def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    """The caller's principal; 401 problem+json when not logged in."""
    if principal is None:
        raise _unauthenticated()
    return principal
