"""The municipality's outbox events leave for the hub: a subscriber relays each one, signed.

``birth.registered`` is written to the outbox in the registration's own transaction; this
subscriber publishes it through the hub (``POST /hub/events``), naming the person by the
municipality's own code, with references only. The hub accepts each outbox event id once, so a
relay repeated after a crash (the hub answered, but our processed record did not commit)
delivers nothing twice. A failure (hub down) raises: the outbox retries with back-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import member_client
from tenohira.core.config import Settings, get_settings
from tenohira.core.crashpoints import crash_point
from tenohira.events import Event, publish, subscribe

if TYPE_CHECKING:
    from tenohira.agencies.municipality.service import BirthRegistration

MEMBER_ID = "municipality"
BIRTH_REGISTERED = "birth.registered"
RELAYED_TOPICS = (BIRTH_REGISTERED,)
# what subscribers may learn; the introduction ticket is addressed to the filing member alone
_SHARED_FIELDS = ("notification_id", "municipality", "birth_date", "filed_on", "deadline", "late")

log = structlog.get_logger("tenohira.municipality")


def shared_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The part of an outbox payload that leaves the municipality (references and dates only)."""
    return {k: payload[k] for k in _SHARED_FIELDS if k in payload}


async def announce_birth(
    session: AsyncSession,
    settings: Settings,
    result: BirthRegistration,
    *,
    subject_code: str | None,
    client_member: str,
    child_ticket: str | None,
) -> str:
    """Put ``birth.registered`` into the outbox, in the registration's own transaction.

    References only: no names, no numbers. ``subject_code`` is our own code for the filer (the
    relay names the person by it at the hub); the ticket stays here (for the filing member).
    """
    return await publish(
        session,
        BIRTH_REGISTERED,
        {
            "notification_id": result.notification_id,
            "municipality": settings.municipality_code,
            "birth_date": result.birth_date.isoformat(),
            "filed_on": result.filed_on.isoformat(),
            "deadline": result.deadline.isoformat(),
            "late": result.late,
            "client_member": client_member,
            "child_ticket": child_ticket,
            "subject_code": subject_code,
        },
        key=result.notification_id,
    )


async def relay(event: Event) -> None:
    """Publish one outbox event through the hub (no database writes here: the hub may share SQLite)."""
    crash_point("municipality.relay.before_hub")
    client = member_client(get_settings(), MEMBER_ID)
    answer = await client.publish_event(
        event.topic,
        event_id=event.id,
        subject_code=event.payload.get("subject_code"),
        payload=shared_payload(event.payload),
        occurred_at=event.created_at.isoformat(),
    )
    crash_point("municipality.relay.after_hub")
    log.info("event relayed to the hub", topic=event.topic, hub_event=answer.get("event_id"))


for _topic in RELAYED_TOPICS:
    subscribe(_topic, "municipality.hub-relay")(relay)
