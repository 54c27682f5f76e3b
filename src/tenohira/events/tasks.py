"""Background work of events: the bus chosen by ``settings.event_bus``, and pruning of old records."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete

from tenohira.core.config import Settings
from tenohira.core.db import Database, get_database
from tenohira.events.bus import EmbeddedBus, EventBus
from tenohira.events.models import OutboxEvent, ProcessedEvent

log = structlog.get_logger("tenohira.events")

# Processed records only need to outlive any possible redelivery; a week is far beyond
# JetStream's ack wait and the outbox's retry back-off.
RETENTION = timedelta(days=7)
PRUNE_INTERVAL = 3600.0


def make_bus(settings: Settings, db: Database | None = None) -> EventBus:
    """The embedded dispatcher, or NATS JetStream when ``TENOHIRA_EVENT_BUS=nats``."""
    db = db or get_database(settings)
    if settings.event_bus == "nats":
        from tenohira.events.jetstream import JetStreamBus

        if not settings.nats_url:
            raise RuntimeError("TENOHIRA_EVENT_BUS=nats needs TENOHIRA_NATS_URL")
        return JetStreamBus(db, settings.nats_url)
    return EmbeddedBus(db)


async def prune(db: Database, older_than: timedelta = RETENTION) -> int:
    """Delete dispatched outbox rows and processed records older than ``older_than``."""
    cutoff = datetime.now(UTC) - older_than
    async with db.session() as session:
        a = await session.execute(
            delete(OutboxEvent).where(
                OutboxEvent.dispatched_at.is_not(None), OutboxEvent.dispatched_at < cutoff
            )
        )
        b = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < cutoff))
    return int(getattr(a, "rowcount", 0) or 0) + int(getattr(b, "rowcount", 0) or 0)


async def _pruner(db: Database, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await prune(db)
        except Exception:
            log.exception("pruning events failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_INTERVAL)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Deliver events until ``stop`` is set."""
    db = get_database(settings)
    await asyncio.gather(make_bus(settings, db).run(stop), _pruner(db, stop))
