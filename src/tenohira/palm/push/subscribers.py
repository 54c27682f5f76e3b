"""The push subscriber: a birth registered (delivered through the hub) becomes notices."""

from __future__ import annotations

from tenohira.events import Event, subscribe
from tenohira.palm.push.intake import local_topic
from tenohira.palm.push.service import LIFE_EVENTS, notices_for_event

SUBSCRIBER = "palm.push"


async def on_life_event(event: Event) -> None:
    """Compute the notices of one delivered life event in the handler's unit of work (exactly once)."""
    code = event.payload.get("subject_code")
    if not code:
        return  # an event about no one in particular has no household to look at
    await notices_for_event(
        event.session,
        event_id=str(event.payload["event_id"]),
        topic=str(event.payload["topic"]),
        code=str(code),
        payload=dict(event.payload.get("payload") or {}),
    )


for _topic in LIFE_EVENTS:
    subscribe(local_topic(_topic), SUBSCRIBER)(on_life_event)
