"""Body size per route and JSON depth, enforced before any endpoint reads or parses a body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from tenohira.core.limits import KIB, BodyLimits, BodyRule, json_depth

# --- the depth scan -------------------------------------------------------------------------


def test_json_depth_counts_nesting_and_skips_strings() -> None:
    assert json_depth(b"") == 0
    assert json_depth(b'"plain"') == 0
    assert json_depth(b"[]") == 1
    assert json_depth(b'{"a": [1, {"b": [[]]}]}') == 5
    assert json_depth(b'{"a": "[[[[[[{{{{", "b": "\\"[[["}') == 1
    assert json_depth(json.dumps({"k": "x" * 10_000, "l": [[[["]]]]"]]]]}).encode()) == 5


def test_json_depth_of_an_attack_without_recursion() -> None:
    # 100,000 deep: json.loads would raise RecursionError; the scan is iterative
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000
    assert json_depth(b'{"a":' * 50_000 + b"1" + b"}" * 50_000) == 50_000


# --- the middleware on a bare ASGI app: what was read, what reached the app -------------------


class Recorder:
    """An ASGI app that reads its whole body and answers 200 with its length."""

    def __init__(self) -> None:
        self.calls = 0
        self.body = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.body = body
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


class Stream:
    """A request body of ``chunks`` chunks of ``size`` bytes that records how many were consumed."""

    def __init__(self, chunks: int, size: int, fill: bytes = b"x") -> None:
        self.chunks, self.size, self.fill = chunks, size, fill
        self.consumed = 0

    async def receive(self) -> Message:
        if self.consumed >= self.chunks:
            return {"type": "http.disconnect"}
        self.consumed += 1
        return {
            "type": "http.request",
            "body": self.fill * self.size,
            "more_body": self.consumed < self.chunks,
        }


async def call(
    app: Any, path: str, receive: Receive, headers: list[tuple[bytes, bytes]], method: str = "POST"
) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": headers, "query_string": b""}
    await app(scope, receive, send)
    return sent


def limited(app: Any) -> BodyLimits:
    return BodyLimits(app, rules=[BodyRule(r"/small", 1 * KIB)], default_max_bytes=64 * KIB, max_depth=8)


async def test_declared_length_over_the_limit_is_refused_without_reading() -> None:
    app = Recorder()
    stream = Stream(chunks=300, size=1024 * 1024)  # 300 MB, if anyone read it
    sent = await call(
        limited(app), "/small", stream.receive, [(b"content-length", str(300 * 2**20).encode())]
    )
    assert sent[0]["status"] == 413
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/problem+json"
    assert json.loads(sent[1]["body"])["type"] == "urn:tenohira:problem:too-large"
    assert stream.consumed == 0 and app.calls == 0


async def test_chunked_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    app = Recorder()
    stream = Stream(chunks=300, size=1024 * 1024)  # no Content-Length: counted while it streams
    sent = await call(limited(app), "/other", stream.receive, [])
    assert sent[0]["status"] == 413
    body = json.loads(sent[1]["body"])
    assert body["max_bytes"] == 64 * KIB and body["title_ja"]
    assert stream.consumed == 1  # the first 1 MiB chunk already passed 64 KiB: nothing more was read
    assert app.calls == 0


async def test_a_get_with_a_body_is_bounded_too() -> None:
    # the hub's signature check reads the body of any method
    app = Recorder()
    stream = Stream(chunks=300, size=1024 * 1024)
    sent = await call(limited(app), "/other", stream.receive, [(b"transfer-encoding", b"chunked")], "GET")
    assert sent[0]["status"] == 413 and stream.consumed == 1 and app.calls == 0
    # a GET announcing no body goes straight through
    app = Recorder()
    sent = await call(limited(app), "/other", Stream(chunks=1, size=0).receive, [], "GET")
    assert sent[0]["status"] == 200 and app.calls == 1


async def test_a_body_within_the_limit_reaches_the_app_unchanged() -> None:
    app = Recorder()
    stream = Stream(chunks=4, size=1000, fill=b"[")  # 4,000 brackets, but a form: not JSON-checked
    form = [(b"content-type", b"application/x-www-form-urlencoded")]
    sent = await call(limited(app), "/other", stream.receive, form)
    assert sent[0]["status"] == 200 and app.body == b"[" * 4000


async def test_too_deep_json_is_refused_before_parsing() -> None:
    app = Recorder()
    deep = b"[" * 9 + b"]" * 9

    async def receive() -> Message:
        return {"type": "http.request", "body": deep, "more_body": False}

    sent = await call(limited(app), "/other", receive, [(b"content-type", b"application/ld+json")])
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["type"] == "urn:tenohira:problem:too-deep"
    assert app.calls == 0
    ok = b"[" * 8 + b"]" * 8

    async def receive_ok() -> Message:
        return {"type": "http.request", "body": ok, "more_body": False}

    sent = await call(limited(app), "/other", receive_ok, [])
    assert sent[0]["status"] == 200 and app.body == ok


# --- the platform: every JSON route is covered, mounted apps included -------------------------


@pytest.fixture
async def client(migrated_db: object) -> AsyncIterator[httpx.AsyncClient]:
    from tenohira.app import create_app

    app = create_app(background=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


# far beyond Python's recursion limit (1,000), yet within the smallest JSON route's 64 KiB
DEEP_ARRAY = b"[" * 20_000 + b"]" * 20_000
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000


@pytest.mark.parametrize(
    "path",
    [
        "/ngsi-ld/v1/entities",
        "/ngsi-ld/v1/entityOperations/upsert",
        "/ngsi-ld/v1/entityOperations/query",
        "/ngsi-ld/v1/subscriptions",
        "/ngsi-ld/v1/jsonldContexts",
        "/api/3/action/package_search",
        "/api/rules/explain",
        "/api/applications",
        "/hub/v1/exchanges",
    ],
)
async def test_deep_json_is_a_400_problem_everywhere(client: httpx.AsyncClient, path: str) -> None:
    for body in (DEEP_ARRAY, DEEP_OBJECT):
        r = await client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (path, r.status_code, r.text[:200])
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "urn:tenohira:problem:too-deep"


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/auth/challenge", 1 * KIB),
        ("/api/auth/login", 32 * KIB),
        ("/api/applications", 256 * KIB),
        ("/api/applications/credentials/birth-certificate", 256 * KIB),
        ("/api/assistant/conversations/x/messages", 128 * KIB),
        ("/api/rules/explain", 64 * KIB),
        ("/ngsi-ld/v1/entities", 1024 * KIB),
    ],
)
async def test_bodies_over_the_route_limit_are_413(client: httpx.AsyncClient, path: str, limit: int) -> None:
    r = await client.post(path, content=b" " * (limit + 1), headers={"content-type": "application/json"})
    assert r.status_code == 413, (path, r.status_code)
    assert r.json()["max_bytes"] == limit
    # at the limit it is no longer a size question (the endpoint answers whatever it answers)
    r = await client.post(path, content=b" " * limit, headers={"content-type": "application/json"})
    assert r.status_code != 413


async def test_a_challenge_still_works(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/auth/challenge")
    assert r.status_code == 201
