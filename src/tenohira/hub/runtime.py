"""What a running hub keeps in memory: a snapshot of the directory, nonces, group commits, HTTP.

The hot path of an exchange must not query the database for things that rarely change.
Members, services and rights are read as one snapshot, at most ``DIRECTORY_TTL`` seconds
old (the admin API of the same process invalidates it at once; the CLI, another process,
takes effect within that time). Parsed certificates and public keys live in the snapshot.
Writes that every exchange needs (nonce reservation, exchange log, access history) go
through a group commit: one transaction for all exchanges waiting at that moment.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiohttp
import structlog
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import AuditEvent, append_events
from tenohira.core.config import Settings
from tenohira.core.db import Database, get_database
from tenohira.hub import repository as repo
from tenohira.hub import service
from tenohira.hub import signatures as hs
from tenohira.hub.http import signed_session
from tenohira.hub.pki import MemberCredentials, hub_dir, load_cert, load_hub_credentials, public_key
from tenohira.hub.service import TicketKey, aware
from tenohira.vault import Vault, open_vault

log = structlog.get_logger("tenohira.hub")

DIRECTORY_TTL = 1.0
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


class ForwardError(Exception):
    """A provider or subscriber could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Answer:
    """A provider's HTTP answer as the hub received it (headers combined per RFC 9421 §2.1)."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class MemberInfo:
    id: str
    name: str
    status: str
    base_url: str | None
    log_mode: str
    roles: frozenset[str]
    public_key: ec.EllipticCurvePublicKey
    certificate_pem: str
    certificate_serial: str
    not_after: datetime


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    provider_id: str
    name: str
    method: str
    path: str
    legal_basis: str
    description: str
    openapi: dict[str, Any]
    reveals_third_party: bool


@dataclass(frozen=True)
class RightInfo:
    client_id: str
    service_id: str
    purpose: str
    legal_basis: str
    reveals_third_party: bool


@dataclass
class Directory:
    members: dict[str, MemberInfo] = field(default_factory=dict)
    services: dict[str, ServiceInfo] = field(default_factory=dict)
    rights: dict[tuple[str, str, str], RightInfo] = field(default_factory=dict)
    loaded_at: float = 0.0


# certificates change only when a member is re-keyed: parse each PEM once per process
_parsed_keys: dict[str, ec.EllipticCurvePublicKey] = {}


def _public_key_of(pem: str) -> ec.EllipticCurvePublicKey:
    key = _parsed_keys.get(pem)
    if key is None:
        key = _parsed_keys[pem] = public_key(load_cert(pem))
    return key


async def load_directory(session: AsyncSession) -> Directory:
    d = Directory(loaded_at=time.monotonic())
    for m in await repo.list_members(session):
        d.members[m.id] = MemberInfo(
            id=m.id,
            name=m.name,
            status=m.status,
            base_url=m.base_url,
            log_mode=m.log_mode,
            roles=frozenset(m.roles or ()),
            public_key=_public_key_of(m.certificate_pem),
            certificate_pem=m.certificate_pem,
            certificate_serial=m.certificate_serial,
            not_after=aware(m.certificate_not_after),
        )
    for s in await repo.list_services(session):
        d.services[s.id] = ServiceInfo(
            id=s.id,
            provider_id=s.provider_id,
            name=s.name,
            method=s.method,
            path=s.path,
            legal_basis=s.legal_basis,
            description=s.description,
            openapi=dict(s.openapi or {}),
            reveals_third_party=s.reveals_third_party,
        )
    for r in await repo.list_rights(session):
        d.rights[(r.client_id, r.service_id, r.purpose)] = RightInfo(
            client_id=r.client_id,
            service_id=r.service_id,
            purpose=r.purpose,
            legal_basis=r.legal_basis,
            reveals_third_party=r.reveals_third_party,
        )
    return d


class Batcher(Generic[ItemT, ResultT]):
    """Group commit: items waiting at the same moment are written by one ``flush`` (one transaction).

    Every caller still waits until its own item is committed, so "logged before answered"
    and "reserved before forwarded" hold; the commit cost is shared by everything in
    flight. When a batch fails, each item is retried alone so one bad item cannot fail the
    others.
    """

    def __init__(
        self, flush: Callable[[list[ItemT]], Awaitable[list[ResultT]]], max_batch: int = 512
    ) -> None:
        self.flush = flush
        self.max_batch = max_batch
        self._queue: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    async def submit(self, item: ItemT) -> ResultT:
        future: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            self.batches += 1
            self.items += len(batch)
            try:
                results = await self.flush([item for item, _ in batch])
            except Exception:
                log.warning("group commit failed; retrying one by one", size=len(batch), exc_info=True)
                for item, future in batch:
                    try:
                        (result,) = await self.flush([item])
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(result)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)


class ExchangeRecorder:
    """Writes exchange-log events and access-history rows in batches (one transaction each).

    Audit events of a batch go in with one ``append_events`` (executemany), history rows
    with one executemany INSERT.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.batcher: Batcher[tuple[AuditEvent, dict[str, Any] | None], None] = Batcher(self._write)

    async def record(self, event: AuditEvent, history: dict[str, Any] | None = None) -> None:
        """Return once ``event`` (and the history row, if any) is committed."""
        await self.batcher.submit((event, history))

    async def _write(self, items: list[tuple[AuditEvent, dict[str, Any] | None]]) -> list[None]:
        rows = [h for _, h in items if h is not None]
        async with self.db.session() as session:
            await append_events(session, [e for e, _ in items])
            if rows:
                await repo.add_history(session, rows)
        return [None] * len(items)


class NonceStore:
    """Nonces seen within the clock-skew window: in memory for speed, in the database for all instances.

    The database reservation is one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` per batch:
    a nonce another hub instance already stored does not come back, and is a replay.
    """

    def __init__(self, db: Database, window_seconds: int) -> None:
        self.db = db
        self.window = window_seconds
        self._seen: dict[tuple[str, str], float] = {}
        self._since_sweep = 0
        self.batcher: Batcher[tuple[str, str], bool] = Batcher(self._insert)

    async def reserve(self, member_id: str, nonce: str) -> bool:
        """True if the nonce is fresh for this member (and is now used)."""
        key = (member_id, nonce)
        now = time.monotonic()
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        # a signature is accepted for ±window around its creation: remember its nonce that long
        self._seen[key] = now + 2 * self.window
        self._since_sweep += 1
        if self._since_sweep > 10_000:
            self._sweep(now)
        return await self.batcher.submit(key)

    async def _insert(self, keys: list[tuple[str, str]]) -> list[bool]:
        expires = datetime.now(UTC) + timedelta(seconds=2 * self.window)
        async with self.db.engine.begin() as conn:
            inserted = await repo.reserve_nonces(conn, keys, expires)
        # a key twice in one batch: only its first occurrence is fresh
        out, given = [], set()
        for key in keys:
            out.append(key in inserted and key not in given)
            given.add(key)
        return out

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        self._seen = {k: v for k, v in self._seen.items() if v > now}


class LRU:
    """A small LRU map for immutable facts (agency code ↔ subject)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()


def admin_token_path(settings: Settings) -> Path:
    return hub_dir(settings) / "admin-token"


def ensure_admin_token(settings: Settings) -> str:
    """The administrator bearer token (generated once into data_dir/hub/admin-token, mode 0600)."""
    path = admin_token_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def directory_stamp_path(settings: Settings) -> Path:
    return hub_dir(settings) / "directory-changed"


def touch_directory_stamp(settings: Settings) -> None:
    """Tell hub processes on this host that members, services or rights changed (CLI, admin API)."""
    path = directory_stamp_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)


def ensure_ticket_key(settings: Settings) -> TicketKey:
    path = hub_dir(settings) / "ticket.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return TicketKey(path.read_bytes())


class HubState:
    """Everything a running hub instance shares between requests (created on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = get_database(settings)
        self.credentials: MemberCredentials = load_hub_credentials(settings)
        self.admin_token = ensure_admin_token(settings)
        self.ticket_key = ensure_ticket_key(settings)
        # group-committed writes of every exchange: a pool without pre-ping (see get_database)
        writer = get_database(settings, hot_path=True)
        self.nonces = NonceStore(writer, settings.hub_clock_skew_seconds)
        self.recorder = ExchangeRecorder(writer)
        self.subjects = LRU()  # (member, code) -> subject id
        self.codes = LRU()  # (member, subject id) -> code
        self._directory = Directory()
        self._directory_lock = asyncio.Lock()
        self._stamp_path = str(directory_stamp_path(settings))
        self._seen_stamp = self._stamp()
        self._http: aiohttp.ClientSession | None = None
        self._vault: Vault | None = None

    async def vault(self) -> Vault:
        """The process's vault (``open_vault`` returns one per settings; kept to skip its lookup)."""
        if self._vault is None:
            self._vault = await open_vault(self.settings)
        return self._vault

    @property
    def http(self) -> aiohttp.ClientSession:
        """One keep-alive session for all forwarding (created in the serving event loop).

        aiohttp rather than httpx here: the hub forwards every exchange, and aiohttp's C
        parser costs about a third of httpx's pure-Python stack per request (measured in
        bench/bench_hub.py's profile). Members' clients use the same kind of session.
        """
        if self._http is None or self._http.closed:
            self._http = signed_session(limit=200, limit_per_host=100, total=15.0, connect=5.0)
        return self._http

    async def send(
        self, method: str, url: str, body: bytes, headers: dict[str, str], seconds: float
    ) -> Answer:
        """One HTTP request to a member; the whole answer read. Raises ForwardError."""
        try:
            async with self.http.request(
                method, url, data=body or None, headers=headers, timeout=aiohttp.ClientTimeout(total=seconds)
            ) as response:
                content = await response.read()
                combined = hs.lower_raw_headers(response.raw_headers)
                return Answer(response.status, combined, content)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ForwardError(type(exc).__name__) from exc

    def invalidate(self) -> None:
        """Forget the directory snapshot (after an admin change in this process)."""
        self._directory.loaded_at = 0.0

    def _stamp(self) -> float:
        try:
            return os.stat(self._stamp_path).st_mtime
        except FileNotFoundError:
            return 0.0

    async def directory(self) -> Directory:
        """Members, services and rights: at most DIRECTORY_TTL old, and fresh after any change
        made on this host (the CLI touches a stamp file; a stat costs microseconds)."""
        d = self._directory
        stamp = self._stamp()
        if time.monotonic() - d.loaded_at < DIRECTORY_TTL and stamp == self._seen_stamp:
            return d
        async with self._directory_lock:
            if time.monotonic() - self._directory.loaded_at >= DIRECTORY_TTL or stamp != self._seen_stamp:
                async with self.db.session() as session:
                    self._directory = await load_directory(session)
                self._seen_stamp = stamp
            return self._directory

    async def subject_of(self, member_id: str, code: str) -> str:
        """The subject behind a member's code (cached: a code never changes its subject)."""
        key = (member_id, code)
        subject_id = self.subjects.get(key)
        if subject_id is None:
            async with self.db.session() as session:
                subject_id = await service.subject_for_code(session, member_id, code)
            self.subjects.put(key, subject_id)
        return str(subject_id)

    async def code_for(self, member_id: str, subject_id: str) -> str:
        """A member's code for a subject, minted on first need (cached)."""
        key = (member_id, subject_id)
        code = self.codes.get(key)
        if code is None:
            async with self.db.session() as session:
                code = await service.code_for(session, member_id, subject_id)
            self.codes.put(key, code)
            self.subjects.put((member_id, code), subject_id)
        return str(code)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
