"""Domain events: transactional outbox and at-least-once delivery (embedded or NATS JetStream).

from tenohira.events import publish, subscribe, Event

await publish(session, "birth.registered", {"household": "H0001"}, key="H0001")

@subscribe("birth.registered", "palm.notices")
async def on_birth(event: Event) -> None:
    ...  # write effects through event.session: they commit with the processed record
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.events.bus import EmbeddedBus, EventBus
    from tenohira.events.registry import REGISTRY, Registry, Subscription, subscribe
    from tenohira.events.service import Event, InvalidEvent, publish
    from tenohira.events.tasks import make_bus

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "EmbeddedBus": "tenohira.events.bus",
        "EventBus": "tenohira.events.bus",
        "REGISTRY": "tenohira.events.registry",
        "Registry": "tenohira.events.registry",
        "Subscription": "tenohira.events.registry",
        "subscribe": "tenohira.events.registry",
        "Event": "tenohira.events.service",
        "InvalidEvent": "tenohira.events.service",
        "publish": "tenohira.events.service",
        "make_bus": "tenohira.events.tasks",
    },
)

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
