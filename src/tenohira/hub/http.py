"""The one way the hub and its members open aiohttp sessions.

Both the hub's forwarder and the members' clients keep connections alive between requests.
A pooled connection must be dropped by the client *before* the server drops it, or a request
written onto a connection the server has just closed fails with "Server disconnected" and
cannot safely be retried (the server may have acted on it). uvicorn closes idle connections
after 5 seconds (``timeout_keep_alive``), so clients forget theirs after ``KEEPALIVE_SECONDS``.
aiohttp checks that age against the loop's clock when it hands out a connection, so it holds
even when the loop was blocked while the server's close arrived.
"""

from __future__ import annotations

import aiohttp

KEEPALIVE_SECONDS = 3.0
"""How long an idle client connection is reused; below every server's keep-alive (uvicorn: 5 s)."""


def signed_session(
    *, limit: int, total: float, connect: float | None = None, limit_per_host: int = 0
) -> aiohttp.ClientSession:
    """A session that sends exactly the headers it is given (they are signed): no guessed
    content type, no user agent, no compression negotiation, no cookies."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=limit, limit_per_host=limit_per_host, keepalive_timeout=KEEPALIVE_SECONDS
        ),
        timeout=aiohttp.ClientTimeout(total=total, connect=connect),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
    )
