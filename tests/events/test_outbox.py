"""Outbox publishing and delivery, on the embedded bus and on NATS JetStream, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

from tenohira.events import EmbeddedBus, Event, EventBus, InvalidEvent, Registry, publish, subscribe
from tenohira.events.jetstream import JetStreamBus
from tenohira.events.models import OutboxEvent

from .conftest import effects


@pytest.fixture(params=["embedded", "nats"])
def bus_factory(request: pytest.FixtureRequest) -> Iterator[Callable[[Any, Registry], EventBus]]:
    if request.param == "embedded":
        yield lambda db, reg: EmbeddedBus(db, reg, poll_interval=0.05)
        return
    url = request.getfixturevalue("nats_url")
    tag = uuid.uuid4().hex[:10]
    yield lambda db, reg: JetStreamBus(
        db, url, reg, stream=f"T_{tag}", prefix=f"t{tag}", poll_interval=0.05, ack_wait=2.0
    )
    delete_stream(url, f"T_{tag}")


def delete_stream(url: str, name: str) -> None:
    """Leave the shared NATS server as we found it."""
    import nats

    async def go() -> None:
        nc = await nats.connect(url)
        try:
            with contextlib.suppress(Exception):
                await nc.jetstream().delete_stream(name)
        finally:
            await nc.close()

    import threading

    # the test's event loop is closed or running by now; use a thread with its own
    t = threading.Thread(target=lambda: asyncio.run(go()))
    t.start()
    t.join(10)


@contextlib.asynccontextmanager
async def running(bus: EventBus) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(bus.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def wait_until(check: Callable[[], Any], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def recorder(registry: Registry, topic: str, name: str, fail_first: int = 0) -> list[str]:
    seen: list[str] = []
    failures: Counter[str] = Counter()

    @subscribe(topic, name, registry=registry)
    async def handler(event: Event) -> None:
        seen.append(event.id)
        await event.session.execute(
            text("INSERT INTO test_effects (event_id, subscriber, k) VALUES (:e, :s, :k)"),
            {"e": event.id, "s": name, "k": event.payload["n"]},
        )
        if failures[event.id] < fail_first:
            failures[event.id] += 1
            raise RuntimeError("transient failure")  # the insert above must roll back

    return seen


async def test_only_committed_events_are_delivered(
    effects_db: Any, registry: Registry, bus_factory: Callable[[Any, Registry], EventBus]
) -> None:
    recorder(registry, "birth.registered", "palm.notices")
    recorder(registry, "birth.registered", "stats.births")
    async with effects_db.session() as s:
        kept = await publish(s, "birth.registered", {"n": "1"}, key="H1")
    with pytest.raises(RuntimeError):
        async with effects_db.session() as s:
            await publish(s, "birth.registered", {"n": "2"}, key="H2")
            raise RuntimeError("publisher's action failed")
    async with running(bus_factory(effects_db, registry)):

        async def both() -> bool:
            return len(await effects(effects_db)) == 2

        await wait_until(both)
        await asyncio.sleep(0.3)
    assert sorted(await effects(effects_db)) == [(kept, "palm.notices", "1"), (kept, "stats.births", "1")]
    async with effects_db.session() as s:
        row = (await s.execute(select(OutboxEvent))).scalar_one()
    assert row.dispatched_at is not None


async def test_failing_handler_is_retried_and_takes_effect_once(
    effects_db: Any, registry: Registry, bus_factory: Callable[[Any, Registry], EventBus]
) -> None:
    seen = recorder(registry, "move.registered", "palm.notices", fail_first=2)
    import tenohira.events.bus as bus_module

    original = bus_module.backoff
    bus_module.backoff = lambda attempts: 0.05  # keep the test quick; the real back-off is tested below
    import tenohira.events.jetstream as js_module

    js_module.backoff = bus_module.backoff
    try:
        async with effects_db.session() as s:
            ids = [await publish(s, "move.registered", {"n": str(i)}, key=f"H{i}") for i in range(3)]
        async with running(bus_factory(effects_db, registry)):

            async def all_done() -> bool:
                return len(await effects(effects_db)) == 3

            await wait_until(all_done)
            await asyncio.sleep(0.3)
    finally:
        bus_module.backoff = original
        js_module.backoff = original
    got = await effects(effects_db)
    assert sorted(e for e, _, _ in got) == sorted(ids)  # each effect exactly once
    assert Counter(seen) == dict.fromkeys(ids, 3)  # yet each was delivered three times


async def test_two_dispatchers_never_double_an_effect(effects_db: Any, registry: Registry) -> None:
    recorder(registry, "death.registered", "palm.notices")
    async with effects_db.session() as s:
        for i in range(60):
            await publish(s, "death.registered", {"n": str(i)}, key=f"K{i % 5}")
    a, b = EmbeddedBus(effects_db, registry, batch=7), EmbeddedBus(effects_db, registry, batch=11)
    for _ in range(20):
        await asyncio.gather(a.dispatch_once(), b.dispatch_once())
    got = await effects(effects_db)
    assert len(got) == 60 and len({e for e, _, _ in got}) == 60


async def test_order_is_kept_per_key_when_one_fails(effects_db: Any, registry: Registry) -> None:
    order: list[str] = []
    broken = {"first": True}

    @subscribe("x.y", "ordered", registry=registry)
    async def handler(event: Event) -> None:
        if event.payload["n"] == "a1" and broken["first"]:
            broken["first"] = False
            raise RuntimeError("once")
        order.append(event.payload["n"])

    async with effects_db.session() as s:
        for n, k in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B")]:
            await publish(s, "x.y", {"n": n}, key=k)
    bus = EmbeddedBus(effects_db, registry)
    await bus.dispatch_once()
    assert order == ["b1", "b2"]  # a2 waits behind the failed a1
    async with effects_db.session() as s:
        await s.execute(text("UPDATE events_outbox SET next_attempt_at = NULL"))
    await bus.dispatch_once()
    assert order == ["b1", "b2", "a1", "a2"]
    async with effects_db.session() as s:
        failed = (
            (await s.execute(select(OutboxEvent).where(OutboxEvent.key == "A").order_by(OutboxEvent.id)))
            .scalars()
            .all()
        )
    assert failed[0].attempts == 1 and "RuntimeError: once" in (failed[0].last_error or "")


async def test_bad_events_are_refused(migrated_db: Any) -> None:
    async with migrated_db.session() as s:
        for topic, payload, key in [
            ("Birth Registered", {}, "k"),
            ("birth..registered", {}, "k"),
            ("ok.topic", {"x": object()}, "k"),
            ("ok.topic", {}, ""),
            ("ok.topic", [], "k"),
        ]:
            with pytest.raises(InvalidEvent):
                await publish(s, topic, payload, key=key)  # type: ignore[arg-type]


def test_backoff_grows_and_is_capped() -> None:
    from tenohira.events.bus import backoff

    assert 0.8 <= backoff(1) <= 1.2
    assert 6.4 <= backoff(4) <= 9.6
    assert backoff(50) <= 3600 * 1.2


async def test_keys_run_concurrently_and_each_key_in_order(
    effects_db: Any, registry: Registry, bus_factory: Callable[[Any, Registry], EventBus]
) -> None:
    """Handlers that wait (on the network, say) overlap across keys; one key's events never do."""
    import random

    rng = random.Random(3)
    busy: Counter[str] = Counter()
    overlap = {"keys": 0, "same_key": 0}
    order: dict[str, list[int]] = {}

    @subscribe("slow.thing", "waiter", registry=registry)
    async def handler(event: Event) -> None:
        key = event.key
        if busy[key]:
            overlap["same_key"] += 1
        busy[key] += 1
        overlap["keys"] = max(overlap["keys"], sum(1 for v in busy.values() if v))
        await asyncio.sleep(0.2 + rng.uniform(0, 0.05))
        order.setdefault(key, []).append(int(event.payload["n"]))
        busy[key] -= 1

    async with effects_db.session() as s:
        for i in range(40):
            await publish(s, "slow.thing", {"n": str(i)}, key=f"K{i % 8}")
    started = time.monotonic()
    async with running(bus_factory(effects_db, registry)):

        async def all_done() -> bool:
            return sum(len(v) for v in order.values()) == 40

        await wait_until(all_done, timeout=30)
    elapsed = time.monotonic() - started
    assert overlap["same_key"] == 0
    assert overlap["keys"] >= 4  # one at a time would take 40 × 0.2 s = 8 s
    assert elapsed < 6.0, elapsed
    for key, ns in order.items():
        assert ns == sorted(ns), (key, ns)  # per key, publication order


async def test_a_failed_event_holds_back_its_key_while_running(
    effects_db: Any, registry: Registry, bus_factory: Callable[[Any, Registry], EventBus]
) -> None:
    """Continuous dispatch: a later event of the key never overtakes one that failed; other keys go on."""
    import tenohira.events.bus as bus_module
    import tenohira.events.jetstream as js_module

    order: list[str] = []
    failed = {"a1": 1}

    @subscribe("held.back", "ordered", registry=registry)
    async def handler(event: Event) -> None:
        n = event.payload["n"]
        if failed.get(n):
            failed[n] -= 1
            raise RuntimeError("once")
        order.append(n)

    original = bus_module.backoff
    bus_module.backoff = lambda attempts: 0.3
    js_module.backoff = bus_module.backoff
    try:
        async with effects_db.session() as s:
            for n, k in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("a3", "A")]:
                await publish(s, "held.back", {"n": n}, key=k)
        async with running(bus_factory(effects_db, registry)):

            async def all_done() -> bool:
                return len(order) == 5

            await wait_until(all_done)
    finally:
        bus_module.backoff = original
        js_module.backoff = original
    assert [n for n in order if n.startswith("a")] == ["a1", "a2", "a3"]
    assert [n for n in order if n.startswith("b")] == ["b1", "b2"]
    assert order.index("b2") < order.index("a1")  # B did not wait for A's retry
