"""The event bus interface and its embedded implementation: a dispatcher over the outbox table.

The embedded dispatcher runs handlers **concurrently across keys** (bounded) and **one at a time
per key**, in outbox order: events of one key form a chain, each link waiting for the one before
it. A failure of one event holds back the later events of its key until its retry (the pending
query leaves out keys with an event in back-off), so order per key is kept across retries too.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy import and_, or_, select, update

from tenohira.core.db import Database
from tenohira.events.delivery import deliver
from tenohira.events.models import OutboxEvent
from tenohira.events.registry import REGISTRY, Registry
from tenohira.events.service import register_wakeup, unregister_wakeup

log = structlog.get_logger("tenohira.events")

MAX_BACKOFF = 3600.0
CONCURRENCY = 16  # handlers running at once (each waits mostly on the network or the database)
# finished events are marked dispatched in one write per this many, or this often (until then
# they are only kept out of the next pending query): fewer writes on a busy shared database
MARK_EVERY_N = 50
MARK_EVERY_S = 0.1


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
    """Committed events not yet dispatched whose retry time has come, oldest first.

    Keys with an event waiting out its back-off are left out entirely: a later event of that key
    must not overtake it.
    """
    now = datetime.now(UTC)
    backing_off = select(OutboxEvent.key).where(
        and_(OutboxEvent.dispatched_at.is_(None), OutboxEvent.next_attempt_at > now)
    )
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxEvent)
            .where(
                OutboxEvent.dispatched_at.is_(None),
                or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
                OutboxEvent.key.not_in(backing_off),
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

    Up to ``concurrency`` handlers run at once, never two of one key: per key, events are handled
    in outbox order, and once one fails the later ones of its key wait for its retry. Several
    dispatchers (processes) may run at once; the processed-events table makes repeats harmless.
    """

    def __init__(
        self,
        db: Database,
        registry: Registry | None = None,
        *,
        batch: int = 100,
        poll_interval: float = 0.5,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.db = db
        self.registry = registry or REGISTRY
        self.batch = batch
        self.poll_interval = poll_interval
        self.concurrency = max(1, concurrency)
        self._slots = asyncio.Semaphore(self.concurrency)

    async def _handle(self, ev: PendingEvent) -> bool:
        """Every subscriber of ``ev`` (concurrently); False (and a retry scheduled) if any failed."""
        subs = self.registry.for_topic(ev.topic)
        async with self._slots:
            results = await asyncio.gather(
                *(
                    deliver(
                        self.db,
                        sub,
                        event_id=ev.event_id,
                        topic=ev.topic,
                        key=ev.key,
                        payload=ev.payload,
                        created_at=ev.created_at,
                        attempt=ev.attempts + 1,
                    )
                    for sub in subs
                ),
                return_exceptions=True,
            )
        errors = [r for r in results if isinstance(r, BaseException)]
        for err in errors:
            if isinstance(err, asyncio.CancelledError):
                raise err
        if not errors:
            return True
        exc = errors[0]
        log.warning("event handler failed; will retry", event_id=ev.event_id, topic=ev.topic, error=str(exc))
        try:
            await mark_failed(self.db, ev, f"{type(exc).__name__}: {exc}")
        except Exception:
            log.exception("could not record the failure; the event comes again", event_id=ev.event_id)
        return False

    async def _link(self, ev: PendingEvent, before: asyncio.Task[bool] | None) -> bool:
        """One link of a key's chain: runs after the previous event of the key, unless that one failed."""
        if before is not None and not await before:
            return False  # held back behind the failed one (its key is skipped until its retry)
        return await self._handle(ev)

    def _chain(
        self, events: list[PendingEvent], tails: dict[str, asyncio.Task[bool]]
    ) -> list[tuple[PendingEvent, asyncio.Task[bool]]]:
        started = []
        for ev in events:
            task = asyncio.create_task(self._link(ev, tails.get(ev.key)))
            tails[ev.key] = task

            def forget(t: asyncio.Task[bool], key: str = ev.key) -> None:
                if tails.get(key) is t:
                    del tails[key]

            task.add_done_callback(forget)
            started.append((ev, task))
        return started

    async def dispatch_once(self) -> int:
        """One round over what is pending (keys concurrently); returns how many events were dispatched."""
        events = await pending_events(self.db, self.batch)
        started = self._chain(events, {})
        done: list[int] = []
        for ev, task in started:
            with contextlib.suppress(Exception):
                if await task:
                    done.append(ev.row_id)
        await mark_dispatched(self.db, done)
        return len(done)

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch continuously: new events start as soon as they are committed and a slot is free."""
        # two reasons to look at the outbox again: events were committed (``fresh``), or a
        # handler finished and the last look was cut short by the room there was (``freed``);
        # a handler finishing with nothing left behind needs no query (one per event saved)
        fresh = asyncio.Event()
        freed = asyncio.Event()
        register_wakeup(fresh)
        inflight: dict[int, asyncio.Task[bool]] = {}  # row id → its task (until marked dispatched)
        finished: list[int] = []
        tails: dict[str, asyncio.Task[bool]] = {}
        limit = self.concurrency * 4  # events started but not finished: enough to keep slots busy
        last_mark = 0.0
        look = True  # first round, and after a quiet poll interval: look regardless
        cut_short = False

        def on_done(row_id: int) -> Callable[[asyncio.Task[bool]], None]:
            def callback(task: asyncio.Task[bool]) -> None:
                ok = not task.cancelled() and task.exception() is None and task.result()
                if ok:
                    finished.append(row_id)
                else:
                    inflight.pop(row_id, None)  # not done: found again by the pending query
                freed.set()

            return callback

        try:
            while not stop.is_set():
                look = look or fresh.is_set() or (freed.is_set() and cut_short)
                fresh.clear()
                freed.clear()
                try:
                    now = time.monotonic()
                    if finished and (len(finished) >= MARK_EVERY_N or now - last_mark >= MARK_EVERY_S):
                        last_mark = now
                        marked, finished[:] = list(finished), []
                        try:
                            await mark_dispatched(self.db, marked)
                        except Exception:
                            finished.extend(marked)
                            raise
                        for row_id in marked:
                            inflight.pop(row_id, None)
                    running = sum(1 for t in inflight.values() if not t.done())
                    room = limit - running
                    if look and room > 0:
                        look = False
                        wanted = room + len(inflight)
                        events = await pending_events(self.db, wanted)
                        cut_short = len(events) >= wanted
                        new = [e for e in events if e.row_id not in inflight][:room]
                        for ev, task in self._chain(new, tails):
                            inflight[ev.row_id] = task
                            task.add_done_callback(on_done(ev.row_id))
                except Exception:
                    look = True
                    log.exception("event dispatcher round failed; retrying")
                if fresh.is_set() or (freed.is_set() and (cut_short or finished)):
                    continue
                waiters = [
                    asyncio.ensure_future(stop.wait()),
                    asyncio.ensure_future(fresh.wait()),
                    asyncio.ensure_future(freed.wait()),
                ]
                done, _ = await asyncio.wait(
                    waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    look = True  # quiet for a while: retries come due, other processes publish
                for w in waiters:
                    w.cancel()
        finally:
            unregister_wakeup(fresh)
            pending = [t for t in inflight.values() if not t.done()]
            if pending:
                _, late = await asyncio.wait(pending, timeout=5.0)
                for t in late:
                    t.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            with contextlib.suppress(Exception):
                await mark_dispatched(self.db, list(finished))
