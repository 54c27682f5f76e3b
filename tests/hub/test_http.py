"""Pooled connections are dropped before the server drops them (no "Server disconnected")."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from tenohira.hub.http import KEEPALIVE_SECONDS, signed_session
from tests.conftest import free_port


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def plain_server() -> Iterator[str]:
    """A uvicorn server with its default keep-alive, in a thread of its own."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_ok, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_client_keep_alive_is_shorter_than_the_servers() -> None:
    assert KEEPALIVE_SECONDS < uvicorn.Config(_ok).timeout_keep_alive


async def test_a_connection_idle_past_the_servers_keep_alive_is_not_reused(plain_server: str) -> None:
    session = signed_session(limit=4, total=5.0)
    try:
        async with session.post(f"{plain_server}/a", data=b"{}") as first:
            assert first.status == 200
            await first.read()
        # the event loop is blocked (a synchronous CLI call in a test, a long computation) while
        # the server closes the idle connection; the close is not seen until the loop runs again
        time.sleep(uvicorn.Config(_ok).timeout_keep_alive + 0.5)
        async with session.post(f"{plain_server}/b", data=b"{}") as second:
            assert second.status == 200
    finally:
        await session.close()
