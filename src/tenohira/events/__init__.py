"""Domain events: transactional outbox and at-least-once delivery (embedded or NATS JetStream).

from tenohira.events import publish, subscribe, Event

await publish(session, "birth.registered", {"household": "H0001"}, key="H0001")

@subscribe("birth.registered", "palm.notices")
async def on_birth(event: Event) -> None:
    ...  # write effects through event.session: they commit with the processed record
"""

from tenohira.events.bus import EmbeddedBus, EventBus
from tenohira.events.registry import REGISTRY, Registry, Subscription, subscribe
from tenohira.events.service import Event, InvalidEvent, publish
from tenohira.events.tasks import make_bus

__all__ = [
    "REGISTRY",
    "EmbeddedBus",
    "Event",
    "EventBus",
    "InvalidEvent",
    "Registry",
    "Subscription",
    "make_bus",
    "publish",
    "subscribe",
]
