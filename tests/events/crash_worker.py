"""A dispatcher process for the kill -9 test: two chained subscribers that record their effects.

``crash.a`` → subscriber ``rec`` records the event and publishes ``crash.b`` in the same
transaction → subscriber ``sink`` records it. Short random pauses inside the handlers' transactions
widen the windows where a kill can land.
"""

from __future__ import annotations

import asyncio
import random
import signal
import sys

from sqlalchemy import text

from tenohira.core.db import Database
from tenohira.events import EmbeddedBus, Event, EventBus, Registry, publish, subscribe
from tenohira.events.jetstream import JetStreamBus


async def main(url: str, mode: str, nats_url: str, stream: str, prefix: str) -> None:
    db = Database(url)
    registry = Registry()

    @subscribe("crash.a", "rec", registry=registry)
    async def rec(event: Event) -> None:
        n = event.payload["n"]
        await event.session.execute(
            text("INSERT INTO test_effects (event_id, subscriber, k) VALUES (:e, 'rec', :k)"),
            {"e": event.id, "k": n},
        )
        await asyncio.sleep(random.uniform(0, 0.01))
        await publish(event.session, "crash.b", {"n": n}, key=event.key)
        await asyncio.sleep(random.uniform(0, 0.005))

    @subscribe("crash.b", "sink", registry=registry)
    async def sink(event: Event) -> None:
        await event.session.execute(
            text("INSERT INTO test_effects (event_id, subscriber, k) VALUES (:e, 'sink', :k)"),
            {"e": event.id, "k": event.payload["n"]},
        )
        await asyncio.sleep(random.uniform(0, 0.01))

    bus: EventBus
    if mode == "nats":
        bus = JetStreamBus(
            db, nats_url, registry, stream=stream, prefix=prefix, poll_interval=0.05, ack_wait=1.0
        )
    else:
        bus = EmbeddedBus(db, registry, batch=20, poll_interval=0.05)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await bus.run(stop)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
