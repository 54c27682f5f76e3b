"""Handing one event to one subscriber, exactly once in effect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tenohira.core.db import Database
from tenohira.events.models import ProcessedEvent
from tenohira.events.registry import Subscription
from tenohira.events.service import Event


async def deliver(
    db: Database,
    sub: Subscription,
    *,
    event_id: str,
    topic: str,
    key: str,
    payload: dict[str, Any],
    created_at: datetime,
    attempt: int,
) -> bool:
    """Run ``sub``'s handler for this event unless it already ran; True if the handler ran now.

    The handler's effects and the processed-record commit in one transaction: a crash before the
    commit leaves neither (the event comes again), after it leaves both (a repeat is skipped).
    Handler exceptions propagate (the caller schedules a retry).
    """
    # Checked in a short session of its own: the handler's session takes a connection only at its
    # first statement, so a handler waiting on the network (the hub, which shares this process's
    # pool in the embedded platform) holds none meanwhile.
    async with db.session() as check:
        if await _processed(check, sub.name, event_id):
            return False
    try:
        async with db.session() as session:
            await sub.handler(
                Event(
                    id=event_id,
                    topic=topic,
                    key=key,
                    payload=payload,
                    created_at=created_at,
                    attempt=attempt,
                    session=session,
                )
            )
            session.add(
                ProcessedEvent(subscriber=sub.name, event_id=event_id, processed_at=datetime.now(UTC))
            )
    except IntegrityError:
        # Another dispatcher processed the same event concurrently: its effects stand, ours rolled
        # back. Any other integrity error is the handler's own and must surface.
        async with db.session() as session:
            if await _processed(session, sub.name, event_id):
                return False
        raise
    return True


async def _processed(session: Any, subscriber: str, event_id: str) -> bool:
    found = await session.scalar(
        select(ProcessedEvent.event_id).where(
            ProcessedEvent.subscriber == subscriber, ProcessedEvent.event_id == event_id
        )
    )
    return found is not None
