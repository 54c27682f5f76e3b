"""Remote @contexts: fetched by URL from a real HTTP server on loopback, cached, and guarded
(private addresses, redirects to them, oversize, slow servers, documents that are not JSON-LD)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from tenohira.citydata.errors import NgsiError
from tenohira.citydata.remote import MIN_TTL, ContextFetcher, Policy, _ttl
from tenohira.core import get_settings, reset_settings
from tests.citydata.conftest import BASE, link

CONTEXT = {
    "@context": {
        "temperature": "https://example.org/vocab/temperature",
        "Room": "https://example.org/vocab/Room",
    }
}


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def log_message(self, *_: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path == "/ctx.jsonld":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, b"", {"ETag": '"v1"', "Cache-Control": "max-age=600"})
                return
            self._send(200, json.dumps(CONTEXT).encode(), {"ETag": '"v1"', "Cache-Control": "max-age=600"})
        elif self.path == "/nostore.jsonld":
            self._send(200, json.dumps(CONTEXT).encode(), {"Cache-Control": "no-store"})
        elif self.path == "/to-ctx":
            self._send(302, b"", {"Location": "/ctx.jsonld"})
        elif self.path == "/to-private":
            self._send(302, b"", {"Location": "http://10.0.0.1/ctx.jsonld"})
        elif self.path == "/big.jsonld":
            self._send(200, json.dumps({"@context": {"x": "y" * 50_000}}).encode())
        elif self.path == "/slow.jsonld":
            time.sleep(2.0)
            self._send(200, json.dumps(CONTEXT).encode())
        elif self.path == "/not-json":
            self._send(200, b"<html>a web page</html>", {"Content-Type": "text/html"})
        elif self.path == "/no-context.jsonld":
            self._send(200, json.dumps({"temperature": "https://example.org/t"}).encode())
        else:
            self._send(404, b"{}")


@pytest.fixture
def context_server() -> Iterator[str]:
    _Handler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENOHIRA_CITYDATA_CONTEXT_ALLOW_NETWORKS", "127.0.0.0/8")
    monkeypatch.setenv("TENOHIRA_CITYDATA_CONTEXT_MAX_BYTES", "10000")
    monkeypatch.setenv("TENOHIRA_CITYDATA_CONTEXT_TIMEOUT_SECONDS", "0.5")
    reset_settings()


def _policy(**over: Any) -> Policy:
    return Policy.from_settings(get_settings().model_copy(update=over))


async def _get(fetcher: ContextFetcher, db: Any, url: str, **kw: Any) -> Any:
    async with db.session() as session:
        return await fetcher.get(session, url, **kw)


async def test_loopback_is_refused_by_default_and_never_connected(
    migrated_db: Any, context_server: str
) -> None:
    fetcher = ContextFetcher(_policy())
    with pytest.raises(NgsiError) as err:
        await _get(fetcher, migrated_db, context_server + "/ctx.jsonld")
    assert err.value.error == "LdContextNotAvailable" and err.value.status == 503
    assert "private, loopback or reserved" in err.value.detail
    assert _Handler.hits == []


async def test_private_ranges_and_bad_schemes_refused_without_a_connection(migrated_db: Any) -> None:
    fetcher = ContextFetcher(_policy())
    for url in (
        "http://10.0.0.1/ctx.jsonld",
        "http://192.168.1.1/c",
        "http://169.254.169.254/latest/meta-data",  # the cloud metadata service
        "http://[::1]/c",
        "file:///etc/passwd",
        "ftp://example.org/c",
    ):
        with pytest.raises(NgsiError) as err:
            await _get(fetcher, migrated_db, url)
        assert err.value.status == 503, url
    assert fetcher.fetches == 0


async def test_deny_list_wins_over_allow(migrated_db: Any, context_server: str) -> None:
    fetcher = ContextFetcher(
        _policy(citydata_context_allow_networks="127.0.0.0/8", citydata_context_deny="127.0.0.1")
    )
    with pytest.raises(NgsiError):
        await _get(fetcher, migrated_db, context_server + "/ctx.jsonld")
    assert _Handler.hits == []


async def test_fetched_once_then_from_memory_then_from_the_database(
    migrated_db: Any, context_server: str, allow_loopback: None
) -> None:
    url = context_server + "/ctx.jsonld"
    fetcher = ContextFetcher(Policy.from_settings(get_settings()))
    assert await _get(fetcher, migrated_db, url) == CONTEXT
    assert await _get(fetcher, migrated_db, url) == CONTEXT
    assert _Handler.hits == ["/ctx.jsonld"]
    # a restarted process (a new fetcher) finds it in the database, still fresh (max-age=600)
    again = ContextFetcher(Policy.from_settings(get_settings()))
    assert await _get(again, migrated_db, url) == CONTEXT
    assert _Handler.hits == ["/ctx.jsonld"]
    # an operator's refresh revalidates with the ETag: 304 keeps the document
    assert await _get(again, migrated_db, url, refresh=True) == CONTEXT
    assert _Handler.hits == ["/ctx.jsonld", "/ctx.jsonld"] and again.fetches == 1


async def test_no_store_is_not_kept(migrated_db: Any, context_server: str, allow_loopback: None) -> None:
    fetcher = ContextFetcher(Policy.from_settings(get_settings()))
    url = context_server + "/nostore.jsonld"
    assert await _get(fetcher, migrated_db, url) == CONTEXT
    assert await _get(fetcher, migrated_db, url) == CONTEXT
    assert _Handler.hits == ["/nostore.jsonld", "/nostore.jsonld"]


async def test_redirects_are_followed_and_checked_at_every_hop(
    migrated_db: Any, context_server: str, allow_loopback: None
) -> None:
    fetcher = ContextFetcher(Policy.from_settings(get_settings()))
    assert await _get(fetcher, migrated_db, context_server + "/to-ctx") == CONTEXT
    with pytest.raises(NgsiError) as err:
        await _get(fetcher, migrated_db, context_server + "/to-private")
    assert err.value.status == 503 and "private" in err.value.detail
    assert _Handler.hits == ["/to-ctx", "/ctx.jsonld", "/to-private"]  # 10.0.0.1 never contacted


async def test_oversize_slow_and_http_errors_are_503(
    migrated_db: Any, context_server: str, allow_loopback: None
) -> None:
    fetcher = ContextFetcher(Policy.from_settings(get_settings()))
    for path, words in (("/big.jsonld", "larger than"), ("/slow.jsonld", "within"), ("/missing", "HTTP 404")):
        t0 = time.monotonic()
        with pytest.raises(NgsiError) as err:
            await _get(fetcher, migrated_db, context_server + path)
        assert err.value.status == 503 and words in err.value.detail, (path, err.value.detail)
        assert time.monotonic() - t0 < 1.9  # the slow server is not waited for


async def test_not_json_ld_is_400(migrated_db: Any, context_server: str, allow_loopback: None) -> None:
    fetcher = ContextFetcher(Policy.from_settings(get_settings()))
    for path in ("/not-json", "/no-context.jsonld"):
        with pytest.raises(NgsiError) as err:
            await _get(fetcher, migrated_db, context_server + path)
        assert err.value.status == 400 and err.value.error == "BadRequestData", path


def test_cache_headers() -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert _ttl(httpx.Headers({"cache-control": "public, max-age=3600"}), now).total_seconds() == 3600  # type: ignore[union-attr]
    assert _ttl(httpx.Headers({"cache-control": "max-age=1"}), now) == MIN_TTL
    assert _ttl(httpx.Headers({"cache-control": "no-store"}), now) is None
    assert _ttl(httpx.Headers({"cache-control": "no-cache"}), now) == MIN_TTL
    expires = httpx.Headers({"expires": "Wed, 02 Dec 2026 02:00:00 GMT"})
    assert _ttl(expires, now).total_seconds() == 7200  # type: ignore[union-attr]
    assert _ttl(httpx.Headers({"expires": "0"}), now) == MIN_TTL
    assert _ttl(httpx.Headers({}), now).total_seconds() == 24 * 3600  # type: ignore[union-attr]


async def test_entities_with_a_remote_context_through_the_api(
    client: httpx.AsyncClient, context_server: str, allow_loopback: None
) -> None:
    url = context_server + "/ctx.jsonld"
    room = {"id": "urn:ngsi-ld:Room:r1", "type": "Room", "temperature": {"type": "Property", "value": 21.5}}
    r = await client.post(
        f"{BASE}/entities", json=room, headers={**link(url), "Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Room:r1", headers=link(url))
    assert r.status_code == 200 and r.json()["temperature"]["value"] == 21.5
    # without the context, the names come back as the IRIs the remote context defined
    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Room:r1")
    assert r.json()["type"] == "https://example.org/vocab/Room"
    assert "https://example.org/vocab/temperature" in r.json()
    # a context that cannot be had is 503 LdContextNotAvailable, with the standard's type
    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Room:r1", headers=link(context_server + "/missing"))
    assert r.status_code == 503
    assert r.json()["type"] == "https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable"
    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Room:r1", headers=link(context_server + "/not-json"))
    assert r.status_code == 400 and r.json()["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
