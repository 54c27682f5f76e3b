"""Refusals of strangers, counted instead of logged one by one.

A refusal of a request that carried no credential we know (a login with a certificate the issuer
never issued, an unsigned hub exchange) tells the operator something — somebody is knocking —
but logging each as its own entry lets anyone grow the append-only log without bound. So such a
refusal only increments a counter in memory, keyed by the period (a minute), the source's network
(an IPv4 /24 or IPv6 /48: enough for an operator to block, less than an address) and what was
refused; in the background each finished period becomes **one** entry per source and kind::

    type "audit:refusals", actor "net:203.0.113.0/24",
    attributes {"kind": "card:auth:failure", "count": "50", "period_start": "2026-12-02T20:01:00Z",
                "period_seconds": "60", "reason:challenge-unknown": "50"}

What a stranger can make the platform store is bounded: at most ``MAX_SOURCES`` sources per
period (further ones are counted under ``net:other``), ``MAX_REASONS`` reasons per entry, and
memory for a few periods. A crash loses at most the unflushed period's counts, never an entry.
Refusals about something we do know (a card we issued, a member) are still logged one by one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from tenohira.audit.leaf import AuditEvent
from tenohira.audit.service import append_events
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import Database, get_database

log = structlog.get_logger("tenohira.audit")

ENTRY_TYPE = "audit:refusals"
PERIOD_SECONDS = 60
MAX_SOURCES = 100  # per period and database; the rest share one "net:other" entry
MAX_REASONS = 10  # per entry; the rest are summed as "reason:other"
MAX_PERIODS = 10  # unflushed periods kept in memory (a database down for ten minutes)
OTHER_SOURCE = "net:other"


def source_of(host: str | None) -> str:
    """The network a request came from, as logged: IPv4 /24, IPv6 /48, ``net:unknown`` otherwise."""
    if not host:
        return "net:unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "net:unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return f"net:{ipaddress.ip_network(f'{address}/{prefix}', strict=False)}"


@dataclass
class _Period:
    start: int  # unix seconds, a multiple of PERIOD_SECONDS
    counts: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)  # (source, kind) -> reasons


class RefusalTally:
    """Counts per period, source and kind of refusal for one database; flushed as log entries."""

    def __init__(self, period_seconds: int = PERIOD_SECONDS) -> None:
        self.period_seconds = period_seconds
        self.periods: dict[int, _Period] = {}
        self.dropped = 0  # refusals counted while MAX_PERIODS were already waiting (database down)
        self._flushing: asyncio.Task[int] | None = None

    def note(self, kind: str, source: str, reason: str, *, now: float | None = None) -> None:
        """Count one refusal (no I/O: this runs on the refused request's path)."""
        start = int(now if now is not None else time.time()) // self.period_seconds * self.period_seconds
        period = self.periods.get(start)
        if period is None:
            if len(self.periods) >= MAX_PERIODS:
                self.dropped += 1
                return
            period = self.periods[start] = _Period(start)
        sources = {s for s, _ in period.counts}
        if source not in sources and len(sources) >= MAX_SOURCES:
            source = OTHER_SOURCE
        period.counts.setdefault((source, kind), Counter())[reason[:48] or "unknown"] += 1

    def pending(self) -> int:
        """Refusals counted and not yet written."""
        return sum(sum(c.values()) for p in self.periods.values() for c in p.counts.values())

    def _events(self, period: _Period) -> list[AuditEvent]:
        stamp = datetime.fromtimestamp(period.start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        events = []
        for (source, kind), reasons in sorted(period.counts.items()):
            attributes = {
                "kind": kind,
                "count": str(sum(reasons.values())),
                "period_start": stamp,
                "period_seconds": str(self.period_seconds),
            }
            top = reasons.most_common()
            for reason, n in top[:MAX_REASONS]:
                attributes[f"reason:{reason}"] = str(n)
            if len(top) > MAX_REASONS:
                attributes["reason:other"] = str(sum(n for _, n in top[MAX_REASONS:]))
            events.append(AuditEvent(type=ENTRY_TYPE, actor=source, attributes=attributes))
        return events

    async def flush(self, db: Database, *, now: float | None = None, everything: bool = False) -> int:
        """Write every finished period (``everything``: the current one too) as entries; return how many.

        One transaction per period; a period is forgotten only once its entries are committed.
        """
        current = int(now if now is not None else time.time()) // self.period_seconds * self.period_seconds
        written = 0
        for start in sorted(self.periods):
            if start >= current and not everything:
                break
            period = self.periods[start]
            events = self._events(period)
            async with db.session() as session:
                await append_events(session, events)
            del self.periods[start]
            written += len(events)
        return written

    def flush_soon(self, db: Database) -> None:
        """Start a background flush if a finished period waits and none is running (lazy, for
        processes that serve without the audit background task, such as a hub deployed apart)."""
        if self._flushing is not None and not self._flushing.done():
            return
        current = int(time.time()) // self.period_seconds * self.period_seconds
        if not any(start < current for start in self.periods):
            return
        try:
            self._flushing = asyncio.get_running_loop().create_task(self._flush_logged(db))
        except RuntimeError:  # no running loop: the next flush picks it up
            return

    async def _flush_logged(self, db: Database) -> int:
        try:
            return await self.flush(db)
        except Exception:
            log.exception("could not write refusal counts; kept for the next try")
            return 0


_tallies: dict[str, RefusalTally] = {}


def tally_for(settings: Settings | None = None) -> RefusalTally:
    """The process's tally for the configured database."""
    url = (settings or get_settings()).resolved_database_url
    tally = _tallies.get(url)
    if tally is None:
        tally = _tallies[url] = RefusalTally()
    return tally


def note_refusal(kind: str, host: str | None, reason: str, *, settings: Settings | None = None) -> None:
    """Count a refusal of a stranger (see the module's docstring) instead of logging it alone.

    ``kind`` is the type the refusal would have been logged as (``card:auth:failure``), ``host``
    the client's address, ``reason`` the refusal's slug. Written within a minute or so.
    """
    settings = settings or get_settings()
    tally = tally_for(settings)
    tally.note(kind, source_of(host), reason)
    tally.flush_soon(get_database(settings))


async def flush_refusals(settings: Settings, *, everything: bool = False) -> int:
    """Write the counted refusals of finished periods (``everything``: all) to the log."""
    tally = _tallies.get(settings.resolved_database_url)
    if tally is None or not tally.periods:
        return 0
    return await tally.flush(get_database(settings), everything=everything)
