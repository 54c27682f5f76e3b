"""The web app talks to the platform through the platform's own JSON APIs, in process.

Why not call the palm/assistant service functions directly: those APIs (``/api/applications``,
``/api/notices``, ``/api/palm``, ``/api/assistant``, ``/api/auth``) are the contract every client
of the palm uses (the scenario, a phone app), with their checks, audit entries and problem+json
errors in one place. Going through them in process (an ASGI transport: no socket, no second
server) keeps the web a thin, honest client — it cannot do anything a resident's own client
could not — and lets the palm's internals change while the pages stay the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request

SESSION_COOKIE = "tenohira_session"  # identity's session cookie (identity.dependencies)
# Ids from the browser (bundle, application, conversation) go into API paths: each path segment
# must be a plain token, so that nothing typed can walk to another route ("..", "/", "?", "%").
_SEGMENT = re.compile(r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*")


@dataclass
class ApiError(Exception):
    """A problem+json answer of the platform (or an unreachable part of it)."""

    status: int
    problem: dict[str, Any]

    def message(self, lang: str) -> str:
        """The problem's title and detail in the resident's language (Japanese for easy Japanese)."""
        p = self.problem
        if lang == "en":
            parts = [p.get("title"), p.get("detail")]
        else:
            parts = [p.get("title_ja") or p.get("title"), p.get("detail_ja") or p.get("detail")]
        return " ".join(str(x) for x in parts if x) or f"HTTP {self.status}"

    @property
    def slug(self) -> str:
        return str(self.problem.get("type", "")).rsplit(":", 1)[-1]


def check_path(path: str) -> None:
    """Refuse (as not found) an API path with a segment that is not a plain token."""
    segments = path.split("/")
    if path[:1] != "/" or not all(_SEGMENT.fullmatch(s) for s in segments[1:]):
        raise ApiError(404, {"title": "Not found", "title_ja": "見つかりません"})


class PlatformApi:
    """An in-process client of the platform's APIs for one browser request."""

    def __init__(self, request: Request, token: str | None = None) -> None:
        token = token if token is not None else request.cookies.get(SESSION_COOKIE)
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        lang = request.headers.get("accept-language")
        if lang:
            headers["accept-language"] = lang
        self._client = httpx.AsyncClient(
            # the browser's address, not the transport's 127.0.0.1: rate limits are per source
            transport=httpx.ASGITransport(
                app=request.app,
                client=(request.client.host, request.client.port) if request.client else ("127.0.0.1", 123),
            ),
            base_url=str(request.base_url).rstrip("/"),
            headers=headers,
            timeout=120,
        )

    async def __aenter__(self) -> PlatformApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The answer as it is (for callers that need headers, e.g. the login cookie)."""
        check_path(path)
        return await self._client.request(method, path, **kwargs)

    async def call(self, method: str, path: str, *, ok: tuple[int, ...] = (), **kwargs: Any) -> Any:
        """The JSON answer; :class:`ApiError` for anything not 2xx (or in ``ok``)."""
        check_path(path)
        r = await self._client.request(method, path, **kwargs)
        if r.is_success or r.status_code in ok:
            return r.json() if r.content else None
        try:
            problem = r.json()
        except ValueError:
            problem = {}
        if not isinstance(problem, dict):
            problem = {}
        raise ApiError(r.status_code, problem)

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.call("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Any:
        return await self.call("PATCH", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Any:
        return await self.call("PUT", path, **kwargs)
