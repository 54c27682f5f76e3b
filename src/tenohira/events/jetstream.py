"""The production event bus: the outbox relayed to NATS JetStream, durable pull consumers per subscriber.

Relay: committed outbox rows are published with ``Nats-Msg-Id`` = event id (JetStream drops a
repeat inside its duplicate window) and marked dispatched once JetStream acknowledged them.
Consumers: one durable pull consumer per (subscriber, topic); a message is acked only after the
handler's transaction (effects + processed record) committed, so a crash anywhere leads to a
redelivery that the processed-events table turns into a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from tenohira.core.db import Database
from tenohira.events.bus import CONCURRENCY, backoff, mark_dispatched, pending_events
from tenohira.events.delivery import deliver
from tenohira.events.registry import REGISTRY, Registry, Subscription
from tenohira.events.service import register_wakeup, unregister_wakeup

log = structlog.get_logger("tenohira.events")

STREAM = "TENOHIRA_EVENTS"
PREFIX = "tenohira.events"


def _durable_name(prefix: str, sub: Subscription) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{prefix}__{sub.name}__{sub.topic}")


@dataclass
class _Hold:
    """A key whose message failed: ``seqs`` (stream sequences) go first, in this order."""

    until: float  # when the first one is due back
    seqs: list[int]


def _seq_of(msg: Any) -> int:
    try:
        return int(msg.metadata.sequence.stream)
    except Exception:
        return -id(msg)


def _key_of(msg: Any) -> str:
    """The event's ordering key (a message that cannot be read is a key of its own)."""
    try:
        return str(json.loads(msg.data)["key"])
    except Exception:
        return f"unreadable:{id(msg)}"


class JetStreamBus:
    """Outbox relay plus JetStream consumers, behind the same ``run(stop)`` as the embedded bus."""

    def __init__(
        self,
        db: Database,
        url: str,
        registry: Registry | None = None,
        *,
        stream: str = STREAM,
        prefix: str = PREFIX,
        batch: int = 100,
        poll_interval: float = 0.5,
        ack_wait: float = 30.0,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.db = db
        self.url = url
        self.registry = registry or REGISTRY
        self.stream = stream
        self.prefix = prefix
        self.batch = batch
        self.poll_interval = poll_interval
        self.ack_wait = ack_wait
        self.concurrency = max(1, concurrency)

    def subject(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    async def _ensure_stream(self, js: Any) -> None:
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.prefix}.>"],
                    storage=StorageType.FILE,
                    duplicate_window=120.0,
                    # Consumers ack within seconds; a week covers any outage worth waiting out.
                    max_age=7 * 24 * 3600.0,
                )
            )

    async def relay_once(self, js: Any) -> int:
        """Publish pending outbox events to JetStream; return how many were acknowledged."""
        events = await pending_events(self.db, self.batch)
        done: list[int] = []
        for ev in events:
            body = json.dumps(
                {
                    "id": ev.event_id,
                    "topic": ev.topic,
                    "key": ev.key,
                    "payload": ev.payload,
                    "created_at": ev.created_at.isoformat(),
                }
            ).encode()
            await js.publish(
                self.subject(ev.topic), body, stream=self.stream, headers={"Nats-Msg-Id": ev.event_id}
            )
            done.append(ev.row_id)
        await mark_dispatched(self.db, done)
        return len(done)

    async def _relay(self, js: Any, stop: asyncio.Event) -> None:
        wake = asyncio.Event()
        register_wakeup(wake)
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    n = await self.relay_once(js)
                except Exception:
                    log.exception("outbox relay failed; retrying")
                    n = 0
                if n >= self.batch:
                    continue
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
                await asyncio.wait(waiters, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
                for w in waiters:
                    w.cancel()
        finally:
            unregister_wakeup(wake)

    async def _consume(self, js: Any, sub: Subscription, stop: asyncio.Event) -> None:
        """Fetch and handle this subscription's messages: keys concurrently, one key in order.

        Messages of one key form a chain (each waits for the one before it); at most
        ``concurrency`` handlers run at once and at most ``4 × concurrency`` messages are held
        unacknowledged (well inside ``ack_wait``). Each message is acked after its handler's
        transaction committed, nak'ed with back-off when it failed — and a later message of the
        same key that was already fetched is nak'ed behind it instead of overtaking it.
        """
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        durable = _durable_name(self.prefix, sub)
        psub = await js.pull_subscribe(
            self.subject(sub.topic),
            durable=durable,
            stream=self.stream,
            config=ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.ack_wait,
                max_deliver=-1,
                filter_subject=self.subject(sub.topic),
                max_ack_pending=max(1000, self.concurrency * 8),
            ),
        )
        slots = asyncio.Semaphore(self.concurrency)
        tails: dict[str, asyncio.Task[float | None]] = {}
        held: dict[str, _Hold] = {}
        running: set[asyncio.Task[float | None]] = set()
        limit = self.concurrency * 4
        try:
            while not stop.is_set():
                room = limit - len(running)
                if room <= 0:
                    await asyncio.wait(
                        running, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED
                    )
                    continue
                try:
                    msgs = await psub.fetch(min(self.batch, room), timeout=self.poll_interval)
                except (TimeoutError, NatsTimeout):
                    continue
                for msg in msgs:
                    key = _key_of(msg)
                    task = asyncio.create_task(self._link(sub, msg, key, tails.get(key), slots, held))
                    tails[key] = task
                    running.add(task)

                    def forget(t: asyncio.Task[float | None], key: str = key) -> None:
                        running.discard(t)
                        if tails.get(key) is t:
                            del tails[key]

                    task.add_done_callback(forget)
        finally:
            if running:
                # unacked messages come again after ack_wait: waiting is a courtesy, not a need
                _, late = await asyncio.wait(set(running), timeout=5.0)
                for t in late:
                    t.cancel()
                await asyncio.gather(*late, return_exceptions=True)

    async def _link(
        self,
        sub: Subscription,
        msg: Any,
        key: str,
        before: asyncio.Task[float | None] | None,
        slots: asyncio.Semaphore,
        held: dict[str, _Hold],
    ) -> float | None:
        """Handle ``msg`` in its key's order; the nak delay if it was not handled now.

        Within a fetch, a message waits for the previous one of its key (``before``). Across
        fetches, a key whose message failed is *held*: its later messages are nak'ed to come back
        after it, in stream order, until it succeeded (or the hold outlived ``ack_wait`` past its
        retry time: the failed message may have gone to another process sharing the consumer).
        """
        seq = _seq_of(msg)
        now = time.monotonic()
        hold = held.get(key)
        if hold is not None and now > hold.until + self.ack_wait:
            held.pop(key, None)
            hold = None
        if before is not None:
            delay = await before
            if delay is not None:
                hold = held.setdefault(key, _Hold(time.monotonic() + delay, []))
        if hold is not None and hold.seqs and seq != hold.seqs[0]:
            if seq not in hold.seqs:
                hold.seqs.append(seq)
            wait = max(0.0, hold.until - time.monotonic()) + 0.05 * hold.seqs.index(seq)
            with contextlib.suppress(Exception):
                await msg.nak(delay=wait)
            return wait
        async with slots:
            delay = await self._handle(sub, msg)
        hold = held.get(key)
        if delay is None:
            if hold is not None:
                if seq in hold.seqs:
                    hold.seqs.remove(seq)
                if not hold.seqs:
                    held.pop(key, None)
        else:
            if hold is None:
                hold = held[key] = _Hold(0.0, [])
            if seq in hold.seqs:
                hold.seqs.remove(seq)
            hold.seqs.insert(0, seq)
            hold.until = time.monotonic() + delay
        return delay

    async def _handle(self, sub: Subscription, msg: Any) -> float | None:
        """Run the handler, then ack; on failure nak with back-off and return the delay."""
        attempt = int(getattr(msg.metadata, "num_delivered", 1) or 1)
        try:
            doc = json.loads(msg.data)
            await deliver(
                self.db,
                sub,
                event_id=doc["id"],
                topic=doc["topic"],
                key=doc["key"],
                payload=doc["payload"],
                created_at=datetime.fromisoformat(doc["created_at"]),
                attempt=attempt,
            )
        except Exception as exc:
            log.warning(
                "event handler failed; will retry", subscriber=sub.name, error=str(exc), attempt=attempt
            )
            delay = backoff(attempt)
            with contextlib.suppress(Exception):
                await msg.nak(delay=delay)
            return delay
        try:
            await msg.ack()
        except Exception:
            # the effects committed; the redelivery after ack_wait will find them processed
            log.warning("ack failed; the message comes again and is skipped", subscriber=sub.name)
        return None

    async def run(self, stop: asyncio.Event) -> None:
        import nats

        while not stop.is_set():
            nc = None
            try:
                nc = await nats.connect(self.url, max_reconnect_attempts=-1)
                js = nc.jetstream()
                await self._ensure_stream(js)
                tasks = [asyncio.create_task(self._relay(js, stop))]
                tasks += [asyncio.create_task(self._consume(js, s, stop)) for s in self.registry.all()]
                await asyncio.gather(*tasks)
            except Exception:
                log.exception("JetStream bus failed; reconnecting")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                if nc is not None:
                    with contextlib.suppress(Exception):
                        await nc.close()
