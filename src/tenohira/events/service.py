"""Publishing: an event is a row in the outbox, written in the caller's transaction."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.events.models import OutboxEvent

TOPIC_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
MAX_TOPIC = 128
MAX_KEY = 128


class InvalidEvent(ValueError):
    """A topic, key or payload that cannot be published."""


@dataclass(eq=False)
class Event:
    """What a subscriber receives.

    ``session`` is the handler's unit of work: it commits together with the record that this
    subscriber processed this event, so effects written through it happen exactly once even
    though delivery is at least once.
    """

    id: str
    topic: str
    key: str
    payload: dict[str, Any]
    created_at: datetime
    attempt: int
    session: AsyncSession = field(repr=False)


# Dispatchers in this process wait on these; a commit that carried events wakes them at once,
# so in-process delivery does not wait for the next poll.
_wakeups: set[asyncio.Event] = set()


def register_wakeup(flag: asyncio.Event) -> None:
    _wakeups.add(flag)


def unregister_wakeup(flag: asyncio.Event) -> None:
    _wakeups.discard(flag)


def _wake(_session: Any) -> None:
    for flag in list(_wakeups):
        flag.set()


def check_topic(topic: str) -> None:
    if not topic or len(topic) > MAX_TOPIC or not TOPIC_RE.match(topic):
        raise InvalidEvent(f"topic {topic!r} must be dotted lower-case words like 'birth.registered'")


async def publish(session: AsyncSession, topic: str, payload: dict[str, Any], *, key: str) -> str:
    """Put an event into the outbox in the caller's transaction; it is delivered after commit, at least once.

    ``key`` groups events that must be handled in order (e.g. a household reference); ``payload``
    must be JSON-serialisable and should carry references, not personal data. Returns the event id.
    """
    check_topic(topic)
    if not key or len(key) > MAX_KEY:
        raise InvalidEvent(f"key must be 1..{MAX_KEY} characters")
    if not isinstance(payload, dict):
        raise InvalidEvent("payload must be a JSON object")
    import json

    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise InvalidEvent(f"payload is not JSON-serialisable: {exc}") from exc
    event_id = str(uuid.uuid4())
    await session.execute(
        insert(OutboxEvent).values(
            event_id=event_id,
            topic=topic,
            key=key,
            payload=payload,
            created_at=datetime.now(UTC),
            attempts=0,
        )
    )
    sync = session.sync_session
    if not sa_event.contains(sync, "after_commit", _wake):
        sa_event.listen(sync, "after_commit", _wake, once=True)
    return event_id
