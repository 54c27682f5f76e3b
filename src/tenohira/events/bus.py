"""The event bus interface and its embedded implementation: a dispatcher over the outbox table."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy import or_, select, update

from tenohira.core.db import Database
from tenohira.events.delivery import deliver
from tenohira.events.models import OutboxEvent
from tenohira.events.registry import REGISTRY, Registry
from tenohira.events.service import register_wakeup, unregister_wakeup

log = structlog.get_logger("tenohira.events")

MAX_BACKOFF = 3600.0


def backoff(attempts: int) -> float:
    """Seconds before retry number ``attempts`` (1, 2, 4 … capped at an hour, ±20 % jitter)."""
    base = min(MAX_BACKOFF, 2.0 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)


class EventBus(Protocol):
    """Moves committed outbox events to subscribers until ``stop`` is set."""

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass
class PendingEvent:
    row_id: int
    event_id: str
    topic: str
    key: str
    payload: dict[str, object]
    created_at: datetime
    attempts: int


async def pending_events(db: Database, limit: int) -> list[PendingEvent]:
    """Committed events not yet dispatched whose retry time has come, oldest first."""
    now = datetime.now(UTC)
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(
                OutboxEvent.dispatched_at.is_(None),
                or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
            )
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        return [
            PendingEvent(r.id, r.event_id, r.topic, r.key, r.payload, r.created_at, r.attempts)
            for r in rows.scalars()
        ]


async def mark_dispatched(db: Database, row_ids: list[int]) -> None:
    if row_ids:
        async with db.session() as session:
            await session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(row_ids)).values(dispatched_at=datetime.now(UTC))
            )


async def mark_failed(db: Database, ev: PendingEvent, error: str) -> None:
    attempts = ev.attempts + 1
    async with db.session() as session:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == ev.row_id)
            .values(
                attempts=attempts,
                next_attempt_at=datetime.now(UTC) + timedelta(seconds=backoff(attempts)),
                last_error=error[:2000],
            )
        )


class EmbeddedBus:
    """In-process dispatcher: reads the outbox, runs each subscriber's handler, marks events done.

    Per key, order is kept: once an event of a key fails, later events of that key wait for the
    next round. Several dispatchers (processes) may run at once; the processed-events table makes
    the repeats harmless.
    """

    def __init__(
        self, db: Database, registry: Registry | None = None, *, batch: int = 100, poll_interval: float = 0.5
    ) -> None:
        self.db = db
        self.registry = registry or REGISTRY
        self.batch = batch
        self.poll_interval = poll_interval

    async def dispatch_once(self) -> int:
        """One round over what is pending; returns how many events were fully dispatched."""
        events = await pending_events(self.db, self.batch)
        done: list[int] = []
        blocked: set[str] = set()
        for ev in events:
            if ev.key in blocked:
                continue
            try:
                for sub in self.registry.for_topic(ev.topic):
                    await deliver(
                        self.db,
                        sub,
                        event_id=ev.event_id,
                        topic=ev.topic,
                        key=ev.key,
                        payload=ev.payload,
                        created_at=ev.created_at,
                        attempt=ev.attempts + 1,
                    )
            except Exception as exc:
                blocked.add(ev.key)
                log.warning(
                    "event handler failed; will retry", event_id=ev.event_id, topic=ev.topic, error=str(exc)
                )
                await mark_failed(self.db, ev, f"{type(exc).__name__}: {exc}")
                continue
            done.append(ev.row_id)
        await mark_dispatched(self.db, done)
        return len(done)

    async def run(self, stop: asyncio.Event) -> None:
        wake = asyncio.Event()
        register_wakeup(wake)
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    n = await self.dispatch_once()
                except Exception:
                    log.exception("event dispatcher round failed; retrying")
                    n = 0
                if n >= self.batch:
                    continue
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait(
                        waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                    )
                for w in waiters:
                    w.cancel()
        finally:
            unregister_wakeup(wake)
