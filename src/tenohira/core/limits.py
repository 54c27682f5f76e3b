"""Request bodies within bounds, before any endpoint sees them: size per route, JSON depth.

A pure ASGI middleware (:class:`BodyLimits`) in front of the whole application:

- **size**: each route has a limit in bytes (:class:`BodyRule`, first match wins, else the
  default). A ``Content-Length`` above it is refused at once, without reading a byte; a body
  without one (chunked) is counted while it streams in and refused as soon as it passes the
  limit. Either way the answer is 413 problem+json and the rest of the body is never read, so
  a 300 MB request costs the server at most the route's limit in memory.
- **depth**: a body that is not a form is scanned for the nesting depth of its brackets
  (strings skipped) without recursion, before any parser runs; deeper than ``max_depth`` is
  refused with 400 problem+json. Python's ``json`` module and the code that walks parsed
  documents recurse, so a 100,000-deep array was a ``RecursionError`` answered as 500.

The body read here is handed to the application unchanged (it was bounded anyway). A nested
instance (a mounted app that installs its own, e.g. the hub) sees that the request was
already checked and passes it through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenohira.core.problems import PROBLEM_MEDIA_TYPE, Problem

KIB = 1024
MIB = 1024 * KIB

DEFAULT_MAX_DEPTH = 64
"""Deep enough for any document the platform takes (NGSI-LD, GeoJSON, JSON-LD contexts need < 16)."""

_CHECKED = "tenohira.body_checked"
_FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")

# a JSON string (escapes included): its brackets do not nest anything
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


@dataclass(frozen=True)
class BodyRule:
    """The largest body (bytes) a route takes: ``path`` is a regular expression matched in full
    against the request path, ``methods`` those it applies to (empty: every method)."""

    path: str
    max_bytes: int
    methods: frozenset[str] = frozenset()
    why: str = ""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.path))

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and self.pattern.fullmatch(path) is not None


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (a JSON text), without recursion.

    Brackets inside strings do not count. Works on any bytes (a text that is not JSON gets the
    depth of its brackets, and its parser refuses it later).
    """
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets))))


def too_large(limit: int) -> Problem:
    """413: the body is larger than the route takes."""
    return Problem(
        413,
        "too-large",
        "Request too large",
        "リクエストが大きすぎます",
        detail=f"This address takes a body of at most {limit} bytes.",
        detail_ja=f"この宛先に送れるのは {limit} バイトまでです。",
        extra={"max_bytes": limit},
    )


def too_deep(limit: int) -> Problem:
    """400: the JSON body nests deeper than the platform parses."""
    return Problem(
        400,
        "too-deep",
        "JSON nested too deeply",
        "JSON の入れ子が深すぎます",
        detail=f"Arrays and objects may be nested at most {limit} levels deep.",
        detail_ja=f"配列とオブジェクトの入れ子は {limit} 段までです。",
        extra={"max_depth": limit},
    )


class BodyLimits:
    """Pure ASGI middleware enforcing per-route body sizes and a JSON depth (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rules: Sequence[BodyRule] = (),
        default_max_bytes: int = 64 * KIB,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self.app = app
        self.rules = tuple(rules)
        self.default_max_bytes = default_max_bytes
        self.max_depth = max_depth

    def limit_for(self, method: str, path: str) -> int:
        """The body limit of a request (first matching rule, else the default)."""
        for rule in self.rules:
            if rule.matches(method, path):
                return rule.max_bytes
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(_CHECKED) or _bodiless(scope):
            await self.app(scope, receive, send)
            return
        scope[_CHECKED] = True
        limit = self.limit_for(scope["method"], scope["path"])
        content_type = b""
        declared: int | None = None
        for key, value in scope["headers"]:
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(
                        send,
                        scope,
                        Problem(
                            400,
                            "bad-request",
                            "Bad request",
                            "リクエストが正しくありません",
                            detail="Content-Length is not a number.",
                        ),
                    )
                    return
            elif key == b"content-type":
                content_type = value.lower()
        if declared is not None and declared > limit:
            await _refuse(send, scope, too_large(limit))
            return

        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, scope, too_large(limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        del chunks

        if body and not content_type.startswith(_FORMS) and json_depth(body) > self.max_depth:
            await _refuse(send, scope, too_deep(self.max_depth))
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _bodiless(scope: Scope) -> bool:
    """A GET, HEAD or OPTIONS that announces no body (the common case, passed straight through).

    One that does announce one is checked like a POST: some endpoints read the body whatever the
    method (the hub's signature check hashes it), so a 300 MB GET must be refused as well.
    """
    if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
        return False
    return not any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])


async def _refuse(send: Send, scope: Scope, problem: Problem) -> None:
    payload = json.dumps(problem.body(scope.get("path")), ensure_ascii=False).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    if problem.status == 413:
        # the unread rest of the body would otherwise be taken as the next request's start
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
