"""Remote @context documents: fetched by URL as NGSI-LD brokers do, cached, and guarded.

Every real NGSI-LD client names its own @context by URL (a city's vocabulary, Smart Data
Models, a test suite's context). The broker fetches it (GS CIM 009 V1.9.1 clause 5.5.7 and
6.3.5), keeps it in a memory cache in front of a database table (so a restart or a second
instance does not fetch again), and honours the HTTP caching headers of the answer
(``Cache-Control: max-age / no-store``, ``Expires``, ``ETag`` and ``Last-Modified`` for
revalidation).

Fetching a URL a stranger names is a server-side request forgery risk, so every hop is checked
before a connection is made: the scheme (http/https), the deny list, and every address the host
name resolves to — loopback, private, link-local, multicast and reserved ranges are refused
unless an operator allows them (``TENOHIRA_CITYDATA_CONTEXT_ALLOW_NETWORKS``, as a test
deployment serving its contexts on loopback must). Redirects are followed by hand, each one
checked again. Answers are bounded in size and time; nesting of contexts is bounded by the
JSON-LD folding in :mod:`tenohira.citydata.jsonld`.

A context that cannot be fetched (refused, unreachable, too slow, too large, an HTTP error)
is ``503 LdContextNotAvailable``; one that arrives but is not a JSON-LD context document is
``400 BadRequestData``. Residual risk, documented in docs/citydata.md: a host name whose DNS
answer changes between the check and the connection (DNS rebinding) within the same second.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata.errors import NgsiError, bad_request
from tenohira.citydata.models import RemoteContext
from tenohira.core.config import Settings

DEFAULT_TTL = timedelta(hours=24)  # when the server says nothing about caching
MIN_TTL = timedelta(seconds=60)  # a context is not fetched more than once a minute, whatever it says
MAX_REDIRECTS = 5
ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"


def unavailable(url: str, why: str) -> NgsiError:
    """503 LdContextNotAvailable for ``url`` with the reason."""
    return NgsiError("LdContextNotAvailable", f"the @context {url} cannot be retrieved: {why}")


@dataclass
class Cached:
    """One fetched context document and what its server said about keeping it."""

    url: str
    document: Any
    fetched_at: datetime
    expires_at: datetime
    etag: str | None = None
    last_modified: str | None = None

    def fresh(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class Policy:
    """Which URLs may be fetched, and the bounds of a fetch (from settings)."""

    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    deny_hosts: frozenset[str]
    deny_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    max_bytes: int
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        def networks(items: Iterable[str]) -> tuple[Any, ...]:
            return tuple(ipaddress.ip_network(x.strip(), strict=False) for x in items if x.strip())

        deny = [x.strip() for x in settings.citydata_context_deny.split(",") if x.strip()]
        deny_networks, deny_hosts = [], []
        for item in deny:
            try:
                deny_networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                deny_hosts.append(item.lower())
        return cls(
            allow_networks=networks(settings.citydata_context_allow_networks.split(",")),
            deny_hosts=frozenset(deny_hosts),
            deny_networks=tuple(deny_networks),
            max_bytes=settings.citydata_context_max_bytes,
            timeout=settings.citydata_context_timeout_seconds,
        )

    def _allowed_address(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in n for n in self.deny_networks):
            return False
        if any(ip in n for n in self.allow_networks):
            return True
        # only addresses anyone on the internet could reach
        return ip.is_global and not ip.is_multicast

    async def check(self, url: str) -> None:
        """Refuse ``url`` unless its scheme, host and every address it resolves to may be fetched."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise unavailable(url, "only http and https URLs with a host are fetched")
        host = parts.hostname.lower()
        if host in self.deny_hosts:
            raise unavailable(url, "the host is on the deny list of this server")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise unavailable(url, f"the host name does not resolve ({exc.strerror or exc})") from None
        addresses = {str(info[4][0]) for info in infos}
        refused = sorted(a for a in addresses if not self._allowed_address(a))
        if refused or not addresses:
            raise unavailable(
                url, "its address is private, loopback or reserved and this server does not fetch from there"
            )


def _ttl(headers: httpx.Headers, now: datetime) -> timedelta | None:
    """How long the answer may be kept: None for ``no-store``; at least :data:`MIN_TTL`."""
    directives = {
        d.strip().split("=", 1)[0].lower(): (d.split("=", 1)[1].strip('" ') if "=" in d else "")
        for d in headers.get("cache-control", "").split(",")
        if d.strip()
    }
    if "no-store" in directives:
        return None
    if "no-cache" in directives:
        return MIN_TTL
    for key in ("s-maxage", "max-age"):
        if key in directives:
            try:
                return max(timedelta(seconds=int(directives[key])), MIN_TTL)
            except ValueError:
                break
    expires = headers.get("expires")
    if expires:
        try:
            when = email.utils.parsedate_to_datetime(expires)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(when - now, MIN_TTL)
        except (TypeError, ValueError):
            return MIN_TTL  # an unreadable Expires means "already expired" (RFC 9111 §5.3)
    return DEFAULT_TTL


def context_document(url: str, body: bytes) -> Any:
    """The parsed document, or 400 when it is not a JSON-LD context document."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise bad_request(f"the @context {url} is not JSON") from None
    if not isinstance(doc, dict) or "@context" not in doc:
        raise bad_request(f"the @context {url} is not a JSON-LD context document (no @context member)")
    inner = doc["@context"]
    items = inner if isinstance(inner, list) else [inner]
    if not all(isinstance(i, str | dict) for i in items):
        raise bad_request(f"the @context {url} holds something that is neither a URL nor an object")
    return doc


class ContextFetcher:
    """Fetches, validates and caches remote @context documents (one per process)."""

    def __init__(self, policy: Policy, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self._memory: dict[str, Cached] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._transport = transport
        self.fetches = 0  # network fetches made (tests and the operator command read it)

    def forget(self, url: str | None = None) -> None:
        """Drop one URL (or all) from the memory cache."""
        if url is None:
            self._memory.clear()
        else:
            self._memory.pop(url, None)

    async def get(self, session: AsyncSession, url: str, *, refresh: bool = False) -> Any:
        """The document at ``url``: from memory, then the database, then the network."""
        now = datetime.now(UTC)
        hit = self._memory.get(url)
        if hit is not None and hit.fresh(now) and not refresh:
            return hit.document
        async with self._locks.setdefault(url, asyncio.Lock()):  # one fetch per URL at a time
            hit = self._memory.get(url)
            if hit is not None and hit.fresh(datetime.now(UTC)) and not refresh:
                return hit.document
            stored = hit or await _load(session, url)
            if stored is not None and stored.fresh(now) and not refresh:
                self._memory[url] = stored
                return stored.document
            document, keep = await self._fetch(url, stored)
            if keep is not None:  # None: the server said no-store, used for this request only
                self._memory[url] = keep
                await _store(session, keep)
            return document

    async def _fetch(self, url: str, stale: Cached | None) -> tuple[Any, Cached | None]:
        """The document and the cache entry to keep (None when the answer may not be stored)."""
        headers = {"Accept": ACCEPT}
        if stale is not None and stale.etag:
            headers["If-None-Match"] = stale.etag
        if stale is not None and stale.last_modified:
            headers["If-Modified-Since"] = stale.last_modified
        try:
            status, answer_headers, body, final = await asyncio.wait_for(
                self._follow(url, headers), timeout=self.policy.timeout
            )
        except TimeoutError:
            raise unavailable(url, f"no complete answer within {self.policy.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise unavailable(url, f"the server could not be reached ({type(exc).__name__})") from None
        now = datetime.now(UTC)
        self.fetches += 1
        if status == 304 and stale is not None:
            kept = _ttl(answer_headers, now) or MIN_TTL
            return stale.document, Cached(
                url, stale.document, now, now + kept, stale.etag, stale.last_modified
            )
        if status != 200:
            raise unavailable(url, f"its server answered HTTP {status}")
        document = context_document(final, body)
        ttl = _ttl(answer_headers, now)
        if ttl is None:
            return document, None
        etag, modified = answer_headers.get("etag"), answer_headers.get("last-modified")
        return document, Cached(url, document, now, now + ttl, etag, modified)

    async def _follow(self, url: str, headers: dict[str, str]) -> tuple[int, httpx.Headers, bytes, str]:
        """GET with redirects followed by hand, every hop checked before it is connected to."""
        async with httpx.AsyncClient(
            transport=self._transport, follow_redirects=False, timeout=self.policy.timeout, trust_env=False
        ) as client:
            current = url
            for _ in range(MAX_REDIRECTS + 1):
                await self.policy.check(current)
                async with client.stream("GET", current, headers=headers) as response:
                    if response.status_code in (301, 302, 303, 307, 308):
                        location = response.headers.get("location")
                        if not location:
                            raise unavailable(url, "a redirect without a Location")
                        current = urljoin(current, location)
                        continue
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
                        raise unavailable(url, f"it is larger than {self.policy.max_bytes:,} bytes")
                    chunks, size = [], 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > self.policy.max_bytes:
                            raise unavailable(url, f"it is larger than {self.policy.max_bytes:,} bytes")
                        chunks.append(chunk)
                    return response.status_code, response.headers, b"".join(chunks), current
            raise unavailable(url, f"more than {MAX_REDIRECTS} redirects")


async def _load(session: AsyncSession, url: str) -> Cached | None:
    row = await session.get(RemoteContext, url)
    if row is None:
        return None
    return Cached(
        url=row.url,
        document=row.body,
        fetched_at=_aware(row.fetched_at),
        expires_at=_aware(row.expires_at),
        etag=row.etag,
        last_modified=row.last_modified,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _store(session: AsyncSession, c: Cached) -> None:
    # its own short transaction: a cached context outlives the request that fetched it
    bind = session.bind
    async with AsyncSession(bind=bind) as own, own.begin():
        row = await own.get(RemoteContext, c.url)
        if row is None:
            own.add(
                RemoteContext(
                    url=c.url,
                    body=c.document,
                    fetched_at=c.fetched_at,
                    expires_at=c.expires_at,
                    etag=c.etag,
                    last_modified=c.last_modified,
                )
            )
        else:
            row.body, row.fetched_at, row.expires_at = c.document, c.fetched_at, c.expires_at
            row.etag, row.last_modified = c.etag, c.last_modified


async def cached_rows(session: AsyncSession) -> list[RemoteContext]:
    """Every cached remote context, for the operator (``tenohira ngsi contexts list``)."""
    return list((await session.execute(sa.select(RemoteContext).order_by(RemoteContext.url))).scalars())


_fetchers: dict[int, ContextFetcher] = {}


def fetcher_for(settings: Settings) -> ContextFetcher:
    """The process's fetcher for these settings."""
    key = id(settings)
    hit = _fetchers.get(key)
    if hit is None:
        _fetchers.clear()  # settings were reset (tests): a fresh cache and policy
        hit = _fetchers[key] = ContextFetcher(Policy.from_settings(settings))
    return hit
