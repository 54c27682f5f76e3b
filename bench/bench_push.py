"""Push latency: from "birth registered" (the municipality's outbox commit) to notices stored and
the email queued, at a sustained rate of births, on the embedded platform and on PostgreSQL + NATS.

The whole platform runs in this process (uvicorn in this event loop, as ``tenohira run`` does):
municipality, hub, palm, the event dispatcher (or JetStream), notify. Births are written into the
municipality's outbox exactly as its registration does (``birth.registered`` with its own code
for the parent) at ``RATE`` per second for ``--seconds``. Each birth then travels: outbox →
relay (signed hub call) → hub (right check, code translation, log, delivery) → palm intake
(signed, stored, published locally) → push subscriber (two hub exchanges: the municipality's
combined eligibility facts and the insurer's insurance type — three with ``--separate``; rules;
catalogue) → notices + inbox + email row, one transaction.

Latency = the notices' ``created_at`` minus the outbox row's ``created_at`` (both stamped by this
process's clock just before their commits). Baseline in the same run: a bare subscriber of a
``bench.ping`` event published in the same transaction as every birth (outbox → subscriber, no
hub, no rules) — what the event machinery alone costs under the same load.

Also reported: the latency of each stage (outbox → hub accepted, → palm stored, → notices), the
push handler's hub questions alone, the CPU one birth costs (the event loop's thread and the
whole process) and so how many births per second one event-loop thread could carry at most.

    python bench/bench_push.py --seconds 60          # both variants (PG + NATS if reachable)
    python bench/bench_push.py --rate 4 --seconds 30 --only embedded [--separate]
    BENCH_SECONDS=10 python -m bench push
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import percentile, write  # noqa: E402

RATE = 20.0  # births per second
RESIDENTS = 60  # parents the births are spread over
GOAL_P99_MS = 200.0
WARMUP_SECONDS = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tenohira() -> list[str]:
    script = Path(sys.executable).with_name("tenohira")
    return [str(script)] if script.exists() else [shutil.which("tenohira") or "tenohira"]


def _wait_http(url: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the hub did not start ({url})")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _create_pg(admin_url: str) -> str:
    import asyncpg  # type: ignore[import-untyped]

    name = "tenohira_bench_" + uuid.uuid4().hex[:10]
    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{admin_url.rpartition('/')[0]}/{name}"


async def _drop_pg(admin_url: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    finally:
        await conn.close()


async def run_variant(
    name: str,
    seconds: float,
    database_url: str | None,
    nats_url: str | None,
    rate: float = RATE,
    combined: bool = True,
    concurrency: int = 16,
    hub_apart: bool = False,
) -> dict[str, Any]:
    import sqlalchemy as sa
    import uvicorn

    from tenohira.core import get_database, get_settings, reset_settings
    from tenohira.core.db import dispose_databases
    from tenohira.core.progress import no_progress

    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-push-{name}-"))
    port = _free_port()
    os.environ.update(
        {
            "TENOHIRA_DATA_DIR": str(data_dir),
            "TENOHIRA_PORT": str(port),
            "TENOHIRA_DEMO_RESIDENTS": "300",
            "TENOHIRA_LOG_LEVEL": "WARNING",
            "TENOHIRA_EVENT_BUS": "nats" if nats_url else "embedded",
            # the daily open-data publication (a batch job, first run 15 s after start) falls
            # outside the measured minute instead of into it
            "TENOHIRA_OPENDATA_FIRST_PUBLISH_SECONDS": "3600",
        }
    )
    for key in ("TENOHIRA_DATABASE_URL", "TENOHIRA_NATS_URL", "TENOHIRA_HUB_URL"):
        os.environ.pop(key, None)
    if database_url:
        os.environ["TENOHIRA_DATABASE_URL"] = database_url
    if nats_url:
        os.environ["TENOHIRA_NATS_URL"] = nats_url
    reset_settings()
    settings = get_settings()

    from tenohira.app import create_app
    from tenohira.cli import bootstrap_all
    from tenohira.core.logging import configure_logging
    from tenohira.events import Event, jetstream, publish, subscribe, tasks

    configure_logging("WARNING", False)
    stream = f"BENCH_PUSH_{uuid.uuid4().hex[:8]}"
    if nats_url:
        url = nats_url
        tasks.make_bus = lambda s, db=None: jetstream.JetStreamBus(  # type: ignore[assignment]
            db or get_database(s), url, stream=stream, prefix=stream.lower(), concurrency=concurrency
        )
    else:
        from tenohira.events import EmbeddedBus

        tasks.make_bus = lambda s, db=None: EmbeddedBus(  # type: ignore[assignment]
            db or get_database(s), concurrency=concurrency
        )
    baseline: list[float] = []
    fetch_ms: list[float] = []

    # time the push handler's hub questions (household, tax status, insurance) where they are made
    from tenohira.palm.push import service as push_service

    real_fetch = push_service.fetch_facts

    async def timed_fetch(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await real_fetch(*args, **kwargs)
        finally:
            fetch_ms.append((time.perf_counter() - t0) * 1000)

    push_service.fetch_facts = timed_fetch  # type: ignore[assignment]

    @subscribe("bench.ping", "bench.baseline")
    async def _ping(event: Event) -> None:
        baseline.append((datetime.now(UTC) - _aware(event.created_at)).total_seconds() * 1000)

    print(f"[{name}] bootstrapping (fresh data dir, 300 residents)…", flush=True)
    await bootstrap_all(settings, no_progress)
    hub_proc = None
    if hub_apart:
        # the production layout: the hub in a process of its own (``tenohira hub serve``), on the
        # same database; members reach it at TENOHIRA_HUB_URL, it reaches them at their base URLs
        hub_port = _free_port()
        hub_proc = subprocess.Popen(
            [*_tenohira(), "hub", "serve", "--port", str(hub_port)],
            env={**os.environ},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        atexit.register(_stop, hub_proc)  # also when the run fails half-way
        os.environ["TENOHIRA_HUB_URL"] = f"http://127.0.0.1:{hub_port}"
        _wait_http(f"http://127.0.0.1:{hub_port}/certificate.pem", hub_proc)
        reset_settings()
        settings = get_settings()
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)

    from tenohira.agencies.membership import close_member_clients
    from tenohira.agencies.municipality import hub_code_for_resident, list_residents
    from tenohira.events.models import OutboxEvent
    from tenohira.hub import service as hub_service
    from tenohira.hub.models import HubEvent
    from tenohira.notify.models import OutgoingEmail
    from tenohira.palm.people import set_contact
    from tenohira.palm.push.models import Notice, ReceivedEvent

    if not combined:
        # the two separate municipal questions: withdraw the palm's right to the combined service
        # (granted by the hub's bootstrap) as an operator would, through the hub admin API
        import httpx

        from tenohira.agencies.municipality.eligibility import SERVICE_ID
        from tenohira.hub.runtime import admin_token_path

        token = admin_token_path(settings).read_text().strip()
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as admin:
            for right in (await admin.get("/hub/admin/rights")).raise_for_status().json():
                if right["service_id"] == SERVICE_ID and not right.get("revoked_at"):
                    (await admin.delete(f"/hub/admin/rights/{right['id']}")).raise_for_status()

    db = get_database(settings)
    async with db.session() as s:
        residents = [
            r for r in await list_residents(s, limit=RESIDENTS * 2) if r.relation in ("head", "spouse")
        ]
    codes: list[str] = []
    for r in residents[:RESIDENTS]:
        async with db.session() as s:
            codes.append(await hub_code_for_resident(s, r.id))
    for i, code in enumerate(codes):
        async with db.session() as s:
            subject = await hub_service.subject_for_code(s, "municipality", code)
            palm_code = await hub_service.code_for(s, "palm", subject)
        async with db.session() as s:
            await set_contact(s, palm_code, email=f"parent{i}@example.jp", language="ja")

    rng = random.Random(7)

    async def birth(n: int) -> str:
        async with db.session() as s:
            event_id = await publish(
                s,
                "birth.registered",
                {
                    "notification_id": f"B{n:06d}",
                    "municipality": settings.municipality_code,
                    "birth_date": "2026-11-20",
                    "filed_on": "2026-11-25",
                    "deadline": "2026-12-03",
                    "late": False,
                    "client_member": "palm",
                    "child_ticket": None,
                    "subject_code": rng.choice(codes),
                },
                key=f"B{n:06d}",
            )
            await publish(s, "bench.ping", {"n": n}, key=f"P{n % 16}")
        return event_id

    # first-start work settles before measuring: the demo cards are made by CLI subprocesses
    # (key generation, a Python start each) that would compete for the two cores
    from tenohira.web.demo_cards import DEMO_RESIDENTS, demo_cards_enabled, list_cards

    settle_deadline = time.monotonic() + 120
    while demo_cards_enabled(settings) and time.monotonic() < settle_deadline:
        cards = list_cards(settings)
        if len(cards) == len(DEMO_RESIDENTS) and all(c.linked for c in cards):
            break
        await asyncio.sleep(0.5)
    # warm-up, not measured: WARMUP_SECONDS at the full rate, so that connection pools, caches and
    # the first use of everything are behind us (the pools grow to what the rate needs), then a
    # pause for the queue to drain
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < WARMUP_SECONDS:
        await asyncio.sleep(max(0.0, n / rate - (time.perf_counter() - t0)))
        await birth(-1 - n)
        n += 1
    await asyncio.sleep(5)
    baseline.clear()
    fetch_ms.clear()
    load_before = os.getloadavg()
    # CPU the platform spends (this process: the event loop's thread, and all threads)
    cpu_loop0, cpu_all0 = time.thread_time(), time.process_time()
    cpu_hub0 = _cpu_seconds(hub_proc.pid) if hub_proc else 0.0

    # how late the event loop wakes a 5 ms sleeper: long stalls (one slow piece of work holding
    # the loop) hurt the p99 more than the average load does
    lateness: list[float] = []
    watching = True

    async def watch_loop() -> None:
        while watching:
            t0 = time.perf_counter()
            await asyncio.sleep(0.005)
            lateness.append((time.perf_counter() - t0 - 0.005) * 1000)

    watcher = asyncio.create_task(watch_loop())
    # garbage-collector pauses, by generation (a full collection walks every object in the process)
    import gc

    gc_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses[info["generation"]].append((time.perf_counter() - gc_started[0]) * 1000)

    gc.callbacks.append(on_gc)
    print(f"[{name}] {rate:.0f} births/s for {seconds:.0f} s…", flush=True)
    window_start = datetime.now(UTC)
    sent: list[str] = []
    start = time.perf_counter()
    n = 0
    lag_max = 0.0
    while (elapsed := time.perf_counter() - start) < seconds:
        due = n / rate
        if elapsed < due:
            await asyncio.sleep(due - elapsed)
        else:
            lag_max = max(lag_max, elapsed - due)
        sent.append(await birth(n))
        n += 1
    offered = n / (time.perf_counter() - start)

    # drain: wait until every birth has its notices (or give up after a while)
    drain_deadline = time.monotonic() + max(60.0, seconds)
    latencies: dict[str, float] = {}
    offsets: dict[str, float] = {}  # seconds from the first birth of the window
    # where the time goes, per birth: outbox → hub accepted (relay) → palm stored (hub delivery)
    # → notices (the palm's dispatch + three hub questions + rules)
    stages: dict[str, tuple[float, float, float]] = {}
    while time.monotonic() < drain_deadline:
        async with db.session() as s:
            rows = await s.execute(
                sa.select(
                    OutboxEvent.event_id,
                    OutboxEvent.created_at,
                    HubEvent.received_at,
                    ReceivedEvent.received_at,
                    sa.func.min(Notice.created_at),
                )
                .join(HubEvent, HubEvent.publisher_event_id == OutboxEvent.event_id)
                .join(ReceivedEvent, ReceivedEvent.event_id == HubEvent.id)
                .join(Notice, Notice.event_id == HubEvent.id)
                .where(OutboxEvent.event_id.in_(sent))
                .group_by(
                    OutboxEvent.event_id,
                    OutboxEvent.created_at,
                    HubEvent.received_at,
                    ReceivedEvent.received_at,
                )
            )
            for event_id, created, accepted, stored, noticed in rows:
                c, a, st, no = (_aware(x) for x in (created, accepted, stored, noticed))
                latencies[event_id] = (no - c).total_seconds() * 1000
                offsets[event_id] = (c - window_start).total_seconds()
                stages[event_id] = (
                    (a - c).total_seconds() * 1000,
                    (st - a).total_seconds() * 1000,
                    (no - st).total_seconds() * 1000,
                )
        if len(latencies) >= len(sent):
            break
        await asyncio.sleep(1)
    watching = False
    await watcher
    gc.callbacks.remove(on_gc)
    load_after = os.getloadavg()
    cpu_loop, cpu_all = time.thread_time() - cpu_loop0, time.process_time() - cpu_all0
    cpu_hub = _cpu_seconds(hub_proc.pid) - cpu_hub0 if hub_proc else 0.0
    busy_s = time.perf_counter() - start
    async with db.session() as s:
        emails = await s.scalar(sa.select(sa.func.count()).select_from(OutgoingEmail))
        notices = await s.scalar(sa.select(sa.func.count()).select_from(Notice))

    server.should_exit = True
    await serving
    await close_member_clients()
    from tenohira.palm.people import close_palm_clients

    await close_palm_clients()
    await dispose_databases()
    if hub_proc is not None:
        _stop(hub_proc)
        os.environ.pop("TENOHIRA_HUB_URL", None)
        reset_settings()
    values = list(latencies.values())
    result = {
        "municipal_questions": "one combined exchange" if combined else "two separate exchanges",
        "dispatch_concurrency": concurrency,
        "layout": "hub in a process of its own" if hub_apart else "one process",
        "births": len(sent),
        "offered_rate_per_s": round(offered, 1),
        "publisher_max_lag_ms": round(lag_max * 1000, 1),
        "births_with_notices": len(values),
        "notices": notices,
        "emails_queued": emails,
        "push_p50_ms": round(percentile(values, 50), 1),
        "push_p99_ms": round(percentile(values, 99), 1),
        "push_max_ms": round(max(values), 1) if values else None,
        "baseline_outbox_to_subscriber_p50_ms": round(percentile(baseline, 50), 1),
        "baseline_outbox_to_subscriber_p99_ms": round(percentile(baseline, 99), 1),
        "goal_p99_ms": GOAL_P99_MS,
        "goal_met": bool(values) and percentile(values, 99) < GOAL_P99_MS and len(values) == len(sent),
    }
    for i, stage in enumerate(("relay_outbox_to_hub", "hub_delivery_to_palm", "palm_push_to_notices")):
        part = [v[i] for v in stages.values()]
        result[f"stage_{stage}_p50_ms"] = round(percentile(part, 50), 1)
        result[f"stage_{stage}_p99_ms"] = round(percentile(part, 99), 1)
    # the slowest births and when they were born: a cluster points at one stall, a spread at load
    worst = sorted(latencies, key=lambda k: latencies[k], reverse=True)[:8]
    result["slowest_births_at_s_ms"] = [[round(offsets[k], 1), round(latencies[k])] for k in worst]
    result["push_hub_questions_p50_ms"] = round(percentile(fetch_ms, 50), 1)
    result["push_hub_questions_p99_ms"] = round(percentile(fetch_ms, 99), 1)
    # what one birth costs in CPU, and what the event loop's one thread can therefore carry
    if values:
        per_birth = cpu_loop / len(values) * 1000
        result["cpu_event_loop_ms_per_birth"] = round(per_birth, 1)
        result["cpu_process_ms_per_birth"] = round(cpu_all / len(values) * 1000, 1)
        result["event_loop_busy_share"] = round(cpu_loop / busy_s, 2)
        if hub_proc is not None:
            result["cpu_hub_process_ms_per_birth"] = round(cpu_hub / len(values) * 1000, 1)
        result["births_per_s_one_thread_can_carry"] = round(1000 / per_birth, 1) if per_birth else None
    result["loop_lateness_p99_ms"] = round(percentile(lateness, 99), 1)
    result["loop_lateness_max_ms"] = round(max(lateness), 1) if lateness else None
    result["loop_stalls_over_100ms"] = sum(1 for x in lateness if x > 100)
    for generation, pauses in gc_pauses.items():
        result[f"gc_gen{generation}_collections"] = len(pauses)
        result[f"gc_gen{generation}_max_ms"] = round(max(pauses), 1) if pauses else 0.0
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in load_after]
    if baseline and values:
        result["ratio_p50_push_vs_baseline"] = round(
            percentile(values, 50) / max(percentile(baseline, 50), 0.01), 1
        )
    print(f"[{name}] {result}", flush=True)
    return result


# (result key, --only name, hub in a process of its own, PostgreSQL + NATS)
LAYOUTS = (
    ("embedded_sqlite", "embedded", False, False),
    ("embedded_sqlite_hub_apart", "embedded-hub-apart", True, False),
    ("postgres_nats", "postgres-nats", False, True),
    ("postgres_nats_hub_apart", "postgres-nats-hub-apart", True, True),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "60")))
    parser.add_argument("--only", choices=[name for _, name, _, _ in LAYOUTS], default=None)
    parser.add_argument("--rate", type=float, default=RATE, help="births per second (default 20)")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="handlers at once in the event bus (1: one at a time)"
    )
    parser.add_argument(
        "--separate",
        action="store_true",
        help="do not register municipality.eligibility-facts: household and tax status asked apart",
    )
    args = parser.parse_args(argv if argv is not None else [])
    results: dict[str, Any] = {"rate_per_s": args.rate, "seconds": args.seconds}
    admin = os.environ.get("TENOHIRA_BENCH_DATABASE_URL") or os.environ.get("TENOHIRA_TEST_DATABASE_URL")
    nats_url = os.environ.get("TENOHIRA_BENCH_NATS_URL") or os.environ.get("TENOHIRA_TEST_NATS_URL")

    async def go() -> None:
        for key, name, apart, postgres in LAYOUTS:
            if args.only not in (None, name):
                continue
            if postgres and not (admin and nats_url):
                results[key] = "skipped: set TENOHIRA_TEST_DATABASE_URL and TENOHIRA_TEST_NATS_URL"
                continue
            url = await _create_pg(admin) if postgres and admin else None
            try:
                results[key] = await run_variant(
                    name,
                    args.seconds,
                    url,
                    nats_url if postgres else None,
                    args.rate,
                    not args.separate,
                    args.concurrency,
                    hub_apart=apart,
                )
            finally:
                if url and admin:
                    await _drop_pg(admin, url)

    try:
        import uvloop

        uvloop.run(go())
    except ImportError:
        asyncio.run(go())
    write("push", results)


if __name__ == "__main__":
    main(sys.argv[1:])
