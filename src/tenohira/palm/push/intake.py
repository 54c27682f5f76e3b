"""The palm's event intake: events the hub delivers (``POST /api/palm/events``), stored once.

Only the hub may call it: the request must carry the hub's signature (label ``hub``, checked
by :class:`HubProvider` with the palm's credentials), and the answer is signed with the palm's
key so the hub knows the palm — not something in between — stored the event. The event is
stored and published locally (``palm.hub.<topic>``) in one transaction, keyed by the hub's
event id: a redelivery (the hub did not see our answer) is acknowledged and changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from tenohira.core.config import get_settings
from tenohira.core.crashpoints import crash_point
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.events import publish
from tenohira.hub import HubProvider, HubRefusal, HubRequest, load_member_credentials
from tenohira.palm.push.models import ReceivedEvent

MEMBER_ID = "palm"
LOCAL_PREFIX = "palm.hub."  # local topic of an event received through the hub

router = APIRouter(prefix="/api/palm", tags=["palm events"])


def local_topic(topic: str) -> str:
    """The local topic under which a delivered event is published (never the publisher's own topic)."""
    return LOCAL_PREFIX + topic


class DeliveredEvent(BaseModel):
    event_id: str = Field(min_length=1, max_length=32)
    topic: str = Field(min_length=1, max_length=100)
    publisher: str = Field(min_length=1, max_length=64)
    occurred_at: datetime | None = None
    received_at: datetime | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


_providers: dict[str, HubProvider] = {}


def provider() -> HubProvider:
    """The palm's provider gate (credentials read on first use: the app is built before bootstrap)."""
    settings = get_settings()
    key = str(settings.data_dir)
    gate = _providers.get(key)
    if gate is None:
        try:
            credentials = load_member_credentials(settings, MEMBER_ID)
        except (FileNotFoundError, IndexError) as exc:
            raise Problem(
                status=503,
                slug="member-credentials-missing",
                title="The palm has no hub credentials yet",
                title_ja="手のひらのハブ接続用の鍵がまだありません",
                detail="Run `tenohira init`.",
            ) from exc
        gate = _providers[key] = HubProvider(credentials, settings.hub_clock_skew_seconds)
    return gate


def _signed(gate: HubProvider, hub: HubRequest, status: int, payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = gate.sign_headers(
        status, {"content-type": "application/json", "hub-exchange-id": hub.exchange_id}, body
    )
    return Response(content=body, status_code=status, headers=headers)


async def store(hub: HubRequest, event: DeliveredEvent) -> bool:
    """Store the event and publish it locally (one transaction); False if it was already stored."""
    db = get_database(get_settings())
    try:
        async with db.session() as session:
            if await session.get(ReceivedEvent, event.event_id) is not None:
                return False
            session.add(
                ReceivedEvent(
                    event_id=event.event_id,
                    topic=event.topic,
                    publisher=hub.client_member,
                    subject_code=hub.subject_code,
                    payload=event.payload,
                    occurred_at=event.occurred_at,
                    received_at=datetime.now(UTC),
                )
            )
            await publish(
                session,
                local_topic(event.topic),
                {
                    "event_id": event.event_id,
                    "topic": event.topic,
                    "subject_code": hub.subject_code,
                    "payload": event.payload,
                },
                key=hub.subject_code or event.event_id,
            )
    except IntegrityError:
        return False  # the same delivery raced itself: the first one stored it
    return True


@router.post(
    "/events",
    summary="Events delivered by the hub (hub-signed; answered with the palm's signature)",
    include_in_schema=True,
)
async def receive_event(request: Request) -> Response:
    gate = provider()
    hub = await gate.verify(request)  # a refusal is problem+json; the hub retries later
    if hub.purpose != "event-notification" or not hub.service.startswith("event:"):
        raise HubRefusal.of("hub-unknown-service", "this endpoint takes events only")
    try:
        event = DeliveredEvent.model_validate_json(hub.body)
    except ValidationError as exc:
        return _signed(gate, hub, 422, {"error": "invalid event", "detail": str(exc)[:500]})
    if hub.service != f"event:{event.topic}":
        return _signed(gate, hub, 422, {"error": "topic does not match the signed service"})
    stored = await store(hub, event)
    crash_point("palm.event.stored")
    return _signed(gate, hub, 200, {"event_id": event.event_id, "stored": stored, "duplicate": not stored})
