"""GET /hub/health: explicit checks, each with its own timeout, the whole report cached briefly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from tenohira.audit import append_event
from tenohira.hub import signatures as hs

if TYPE_CHECKING:
    from tenohira.hub.runtime import HubState

CHECK_TIMEOUT = 2.0
CACHE_SECONDS = 5.0
CERT_WARN_DAYS = 30

_cache: dict[int, tuple[float, dict[str, Any]]] = {}


async def _keys(state: HubState) -> tuple[bool, str]:
    # sign and verify a probe: proves the key is loaded and matches the certificate
    probe = b"tenohira hub health"
    signature = hs.ecdsa_sign(state.credentials.private_key, probe)
    public = state.credentials.certificate.public_key()
    ok = hs.ecdsa_verify(public, signature, probe)  # type: ignore[arg-type]
    return ok, "hub key signs and matches its certificate" if ok else "hub key does not match its certificate"


async def _database(state: HubState) -> tuple[bool, str]:
    async with state.db.engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1 FROM hub_members LIMIT 1"))
    return True, "reachable"


async def _log(state: HubState) -> tuple[bool, str]:
    # a write that is rolled back: proves the exchange log's table takes inserts

    async with state.db.sessionmaker() as session:
        await append_event(session, type="hub:health", actor="hub")
        await session.flush()
        await session.rollback()
    return True, "exchange log accepts writes"


async def _certificates(state: HubState) -> tuple[bool, str]:
    now = datetime.now(UTC)
    problems = []
    for name, cert in (("hub", state.credentials.certificate), ("member CA", state.credentials.member_ca)):
        if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
            problems.append(f"{name} certificate not valid now")
        elif cert.not_valid_after_utc - now < timedelta(days=CERT_WARN_DAYS):
            problems.append(f"{name} certificate expires {cert.not_valid_after_utc:%Y-%m-%d}")
    directory = await state.directory()
    expired = [m.id for m in directory.members.values() if m.status == "active" and m.not_after < now]
    if expired:
        problems.append(f"expired member certificates: {', '.join(sorted(expired))}")
    return not problems, "; ".join(problems) or "hub, member CA and active members' certificates valid"


CHECKS: dict[str, Callable[[HubState], Awaitable[tuple[bool, str]]]] = {
    "keys": _keys,
    "database": _database,
    "log": _log,
    "certificates": _certificates,
}


async def health_report(state: HubState) -> dict[str, Any]:
    """Run every check (each with a timeout) unless a report younger than CACHE_SECONDS exists."""
    cached = _cache.get(id(state))
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]

    async def one(name: str, check: Callable[[HubState], Awaitable[tuple[bool, str]]]) -> tuple[str, Any]:
        started = time.perf_counter()
        try:
            ok, detail = await asyncio.wait_for(check(state), CHECK_TIMEOUT)
        except TimeoutError:
            ok, detail = False, f"timed out after {CHECK_TIMEOUT}s"
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        return name, {"status": "ok" if ok else "fail", "detail": detail, "ms": elapsed}

    results = dict(await asyncio.gather(*(one(n, c) for n, c in CHECKS.items())))
    report = {
        "status": "ok" if all(r["status"] == "ok" for r in results.values()) else "fail",
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cached_for_seconds": CACHE_SECONDS,
        "checks": results,
    }
    _cache[id(state)] = (time.monotonic(), report)
    return report
