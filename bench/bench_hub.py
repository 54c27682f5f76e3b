"""Hub: signed exchanges per second and added latency, against a bare HTTP echo on the same stack.

One run on this machine:

- a server process serves, with uvicorn (uvloop + httptools) and FastAPI, the hub at ``/hub``,
  a provider at ``/agencies/municipality`` (verifies the hub's signature, signs its answer
  with HubProvider) and, as the baseline, a bare echo at ``/echo`` — the same server stack,
  the same process, the same port. This is the embedded configuration (`tenohira run`).
- load-generator processes (aiohttp keep-alive, as members' HubClient) send bare echo requests or full
  exchanges: the client signs (RFC 9421 + Content-Digest) → the hub verifies signature,
  digest, skew, nonce (reserved in the database), member, right, translates the subject
  code, logs (audit log + access history, group-committed) → forwards over HTTP → the
  provider verifies and signs → the hub verifies, signs → the client verifies the hub's
  and the provider's signatures.

Latency is measured at concurrency 1 (p50/p99, hub minus echo = the hub's added latency);
throughput at ``BENCH_HUB_CONCURRENCY`` (default 64) over ``BENCH_HUB_SECONDS`` (default 8)
with ``BENCH_HUB_CLIENTS`` load processes (default 2). Database: a temporary SQLite file
(embedded) or ``BENCH_HUB_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi import Request

from bench.report import percentile, write

SECONDS = float(os.environ.get("BENCH_HUB_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_HUB_CONCURRENCY", "64"))
CLIENTS = int(os.environ.get("BENCH_HUB_CLIENTS", "2"))
WORKERS = int(os.environ.get("BENCH_HUB_WORKERS", "2"))
WARMUP = 20
LATENCY_SAMPLES = int(os.environ.get("BENCH_HUB_LATENCY_SAMPLES", "1000"))
BODY = {"child_name": "手のひら 花子", "name_kana": "てのひら はなこ", "birth_date": "2026-11-20"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: str, port: int, db_url: str | None) -> None:
    os.environ["TENOHIRA_DATA_DIR"] = data_dir
    os.environ["TENOHIRA_PORT"] = str(port)
    os.environ["TENOHIRA_LOG_LEVEL"] = "WARNING"
    if db_url:
        os.environ["TENOHIRA_DATABASE_URL"] = db_url
    from tenohira.core import reset_settings

    reset_settings()


def _server_app(role: str = "all") -> Any:
    from fastapi import Depends, FastAPI

    from tenohira.core import get_settings
    from tenohira.core.problems import install_problem_handlers
    from tenohira.hub import HubProvider, HubRequest, load_member_credentials
    from tenohira.hub.app import create_app

    settings = get_settings()
    root = FastAPI()
    if role in ("all", "hub"):
        root.mount("/hub", create_app(settings, background=False))

    provider_app = FastAPI()
    install_problem_handlers(provider_app)
    provider = HubProvider(load_member_credentials(settings, "municipality"), settings.hub_clock_skew_seconds)
    provider.install(provider_app)

    @provider_app.post("/services/birth-notifications")
    async def provider_echo(hub: HubRequest = Depends(provider.request)) -> Any:
        return {"code": hub.subject_code, "received": hub.json()}

    if role in ("all", "provider"):
        root.mount("/agencies/municipality", provider_app)

    echo = FastAPI()

    @echo.post("/")
    async def bare_echo(request: Request) -> Any:
        return {"code": request.headers.get("x-subject"), "received": await request.json()}

    if role in ("all", "hub"):
        root.mount("/echo", echo)
    return root


def _serve(data_dir: str, port: int, db_url: str | None, ready: Any, role: str, listen: int) -> None:
    """One server process; several may serve the same port (SO_REUSEPORT: the kernel spreads
    connections over them, as ``tenohira hub serve --workers N`` does with uvicorn's workers)."""
    import uvicorn

    _env(data_dir, port, db_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", listen))
    sock.listen(4096)
    config = uvicorn.Config(
        _server_app(role),
        log_level="warning",
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
    )
    server = uvicorn.Server(config)
    ready.set()
    server.run(sockets=[sock])


async def _prepare(data_dir: str, port: int, db_url: str | None, provider_port: int) -> str:
    """Migrate, bootstrap the hub, register one person; return the palm's code for them."""
    from tenohira.core import get_settings
    from tenohira.core.db import dispose_databases, get_database, migrate
    from tenohira.core.progress import no_progress
    from tenohira.hub import repository as repo
    from tenohira.hub import service as svc
    from tenohira.hub.bootstrap import bootstrap

    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    await bootstrap(settings, no_progress)
    async with get_database(settings).session() as session:
        code_m = await svc.register_subject(session, "municipality")
        card = f"BENCH-CARD-{os.urandom(6).hex()}"  # a configured database outlives one mode
        await svc.link_card(session, "municipality", code_m, card)
        code_p = await svc.resolve_card(session, "palm", card)
        # split mode: the provider answers from its own process and port
        member = await repo.get_member(session, "municipality")
        assert member is not None
        member.base_url = f"http://127.0.0.1:{provider_port}/agencies/municipality"
    await dispose_databases()
    return code_p


async def _load(
    kind: str, base: str, code: str, concurrency: int, seconds: float, max_requests: int
) -> dict[str, Any]:
    import aiohttp

    from tenohira.core import get_settings
    from tenohira.hub import HubClient, load_member_credentials

    latencies: list[float] = []
    errors = 0
    # both kinds through aiohttp with keep-alive: the member's HubClient uses it, and the echo
    # baseline gets the same client library, so neither side is handicapped by its load generator
    client = HubClient.from_credentials(
        load_member_credentials(get_settings(), "palm"), base + "/hub", pool=concurrency
    )
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
    body = json.dumps(BODY, ensure_ascii=False, separators=(",", ":")).encode()
    if kind == "hub":

        async def one() -> bool:
            answer = await client.call(
                "municipality.birth-notification", subject_code=code, purpose="birth-notification", json=BODY
            )
            return answer.status == 200
    else:

        async def one() -> bool:
            async with session.post(
                base + "/echo/", data=body, headers={"x-subject": code, "content-type": "application/json"}
            ) as r:
                json.loads(await r.read())
                return r.status == 200

    deadline = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal errors, done
        while time.perf_counter() < deadline and done < max_requests:
            t0 = time.perf_counter()
            ok = await one()
            latencies.append(time.perf_counter() - t0)
            done += 1
            if not ok:
                errors += 1

    # warm up connections, caches and the JIT-less interpreter's branch predictors alike
    for _ in range(WARMUP):
        await one()
    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    await client.aclose()
    await session.close()
    return {
        "requests": len(latencies),
        "errors": errors,
        "elapsed": elapsed,
        "latencies": latencies,
        "cpu": cpu,
    }


def _load_process(args: tuple[str, str, str, str, int, str | None, int, float, int], out: Any) -> None:
    kind, base, code, data_dir, port, db_url, concurrency, seconds, max_requests = args
    _env(data_dir, port, db_url)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out.put(asyncio.run(_load(kind, base, code, concurrency, seconds, max_requests)))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to count the server's cost per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_load(
    kind: str,
    ctx: Any,
    common: tuple[Any, ...],
    processes: int,
    concurrency: int,
    seconds: float,
    max_requests: int,
    server_pids: list[int],
) -> dict[str, Any]:
    cpu0 = sum(_cpu_seconds(pid) for pid in server_pids)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_load_process, args=((kind, *common, concurrency, seconds, max_requests), queue))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for r in results for x in r["latencies"]]
    requests = sum(r["requests"] for r in results)
    elapsed = max(r["elapsed"] for r in results)
    served = requests + WARMUP * processes
    server_cpu = sum(_cpu_seconds(pid) for pid in server_pids) - cpu0
    return {
        "requests": requests,
        # CPU per request does not depend on what else runs on the machine
        "server_cpu_ms_per_request": round(server_cpu / served * 1000, 3),
        "client_cpu_ms_per_request": round(sum(r["cpu"] for r in results) / requests * 1000, 3),
        "errors": sum(r["errors"] for r in results),
        "per_second": round(requests / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
    }


def _wait_for(port: int) -> None:
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def _fresh_database(db_url: str | None) -> str | None:
    """A new, empty PostgreSQL database per configuration (the vault's catalogue in a reused one
    would not match a new data directory's sites); SQLite is a new file anyway."""
    if not db_url or not db_url.startswith("postgresql"):
        return db_url
    import asyncpg

    base, _, _ = db_url.rpartition("/")
    name = f"bench_hub_{os.urandom(4).hex()}"

    async def create() -> None:
        conn = await asyncpg.connect(db_url.replace("+asyncpg", ""))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return f"{base}/{name}"


def _measure(mode: str, db_url: str | None) -> dict[str, Any]:
    """One configuration: ``embedded`` (hub, provider, echo in one process, as ``tenohira run``)
    or ``deployed`` (the hub in ``BENCH_HUB_WORKERS`` processes on one port, the echo baseline
    in as many processes on that port, the provider in its own process, as when deployed apart)."""
    ctx = mp.get_context("spawn")
    db_url = _fresh_database(db_url)
    data_dir = str(Path(tempfile.mkdtemp(prefix="bench-hub-")) / "var")
    port = _free_port()
    _env(data_dir, port, db_url)
    provider_port = _free_port() if mode == "deployed" else port
    code = asyncio.run(_prepare(data_dir, port, db_url, provider_port))
    roles = [("all", port)]
    if mode == "deployed":
        roles = [("hub", port)] * WORKERS + [("provider", provider_port)]
    servers = []
    for role, listen in roles:
        ready = ctx.Event()
        proc = ctx.Process(target=_serve, args=(data_dir, port, db_url, ready, role, listen), daemon=True)
        proc.start()
        ready.wait(30)
        servers.append(proc)
    for _, listen in roles:
        _wait_for(listen)
    pids = [int(p.pid or 0) for p in servers]
    common = (f"http://127.0.0.1:{port}", code, data_dir, port, db_url)
    try:
        # latency: one request at a time
        echo_lat = _run_load("echo", ctx, common, 1, 1, 60.0, LATENCY_SAMPLES, pids)
        hub_lat = _run_load("hub", ctx, common, 1, 1, 60.0, LATENCY_SAMPLES, pids)
        # throughput: many in flight from several load processes
        echo_tp = _run_load("echo", ctx, common, CLIENTS, CONCURRENCY // CLIENTS, SECONDS, 10**9, pids)
        hub_tp = _run_load("hub", ctx, common, CLIENTS, CONCURRENCY // CLIENTS, SECONDS, 10**9, pids)
    finally:
        for proc in servers:
            proc.terminate()
            proc.join(10)
    return {
        "latency_concurrency_1": {
            "echo": echo_lat,
            "hub": hub_lat,
            "added_p50_ms": round(hub_lat["p50_ms"] - echo_lat["p50_ms"], 3),
            "added_p99_ms": round(hub_lat["p99_ms"] - echo_lat["p99_ms"], 3),
        },
        "throughput": {
            "server_processes": {role: sum(1 for r, _ in roles if r == role) for role, _ in roles},
            "concurrency": CONCURRENCY,
            "load_processes": CLIENTS,
            "seconds": SECONDS,
            "echo": echo_tp,
            "hub": hub_tp,
            "ratio_hub_to_echo": round(hub_tp["per_second"] / echo_tp["per_second"], 3),
            "server_cpu_ratio_echo_to_hub": round(
                echo_tp["server_cpu_ms_per_request"] / hub_tp["server_cpu_ms_per_request"], 3
            ),
        },
    }


FLOOR_ROUNDS = int(os.environ.get("BENCH_HUB_FLOOR_ROUNDS", "2000"))
GROUP = 64  # rows a group commit writes at this load (the hub's batching, hub/runtime.py)


def _floor(db_url: str | None) -> dict[str, Any]:
    """The physical floor of one exchange's server side, in CPU ms, measured in this process.

    What the servers must do per exchange whatever the framework (embedded: hub and provider in one
    process): 3 ECDSA P-256 signatures (hub → provider, provider's answer, hub's answer) and 3
    verifications (the member's request, the hub's forward at the provider, the provider's answer at
    the hub) — with the client's 1 signature and 2 verifications, the nine of an exchange —,
    4 Content-Digests (SHA-256 of each body in and out) and the signature bases' hashing, plus its
    share of two group commits (exchange log and access history, ``GROUP`` rows a commit).
    """
    import hashlib
    import sqlite3

    from cryptography.hazmat.primitives.asymmetric import ec

    from tenohira.hub.signatures import ecdsa_sign, ecdsa_verify

    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    body = json.dumps(BODY, ensure_ascii=False).encode()
    base = b'"@method": POST\n"@target-uri": http://127.0.0.1/hub/x\n"content-digest": sha-256=:x:\n' * 3
    signature = ecdsa_sign(key, base)
    c0 = time.process_time()
    for _ in range(FLOOR_ROUNDS):
        for _ in range(3):
            ecdsa_sign(key, base)
            ecdsa_verify(public, signature, base)
        for _ in range(4):
            hashlib.sha256(body).digest()
    crypto_ms = (time.process_time() - c0) / FLOOR_ROUNDS * 1000

    rows = [(os.urandom(32), os.urandom(64)) for _ in range(GROUP)]
    commits = max(FLOOR_ROUNDS // GROUP, 10)
    if db_url and db_url.startswith("postgresql"):
        import asyncpg

        async def pg() -> float:
            conn = await asyncpg.connect(db_url.replace("+asyncpg", ""))
            try:
                await conn.execute("CREATE TEMP TABLE floor_rows (a bytea, b bytea)")
                c = time.process_time()
                for _ in range(commits * 2):
                    async with conn.transaction():
                        await conn.executemany("INSERT INTO floor_rows VALUES ($1, $2)", rows)
                return time.process_time() - c
            finally:
                await conn.close()

        commit_cpu = asyncio.run(pg())
    else:
        path = Path(tempfile.mkdtemp(prefix="bench-floor-")) / "floor.db"
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE floor_rows (a BLOB, b BLOB)")
        c = time.process_time()
        for _ in range(commits * 2):
            with conn:
                conn.executemany("INSERT INTO floor_rows VALUES (?, ?)", rows)
        commit_cpu = time.process_time() - c
        conn.close()
    commits_ms = commit_cpu / (commits * GROUP) * 1000  # two commits' rows per exchange, one row each
    return {
        "crypto_and_digests_ms": round(crypto_ms, 3),
        "group_commits_ms": round(commits_ms, 3),
        "total_ms": round(crypto_ms + commits_ms, 3),
        "rounds": FLOOR_ROUNDS,
    }


def main() -> None:
    db_url = os.environ.get("BENCH_HUB_DATABASE_URL")
    modes = os.environ.get("BENCH_HUB_MODES", "embedded,deployed").split(",")
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "database": "sqlite (embedded)" if not db_url else "configured",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "goal": {"exchanges_per_second": 1000, "ratio": 0.5},
    }
    # the floor first and last: the machine is shared, the lower of the two is the floor
    floors = [_floor(db_url)]
    for mode in modes:
        results[mode] = _measure(mode, db_url)
    floors.append(_floor(db_url))
    floor = min(floors, key=lambda f: f["total_ms"])
    results["floor_server_cpu_ms_per_exchange"] = floor
    for mode in modes:
        cpu = results[mode]["throughput"]["hub"]["server_cpu_ms_per_request"]
        results[mode]["server_cpu_multiple_of_floor"] = round(cpu / floor["total_ms"], 2)
    results["goal"]["server_cpu_multiple_of_floor"] = 3
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    write("hub", results)
    failed = {
        f"{mode}/{part}/{kind}": results[mode][part][kind]["errors"]
        for mode in modes
        for part in ("latency_concurrency_1", "throughput")
        for kind in ("echo", "hub")
        if results[mode][part][kind]["errors"]
    }
    if failed:
        # a number measured over failing requests is not a measurement
        raise SystemExit(f"requests failed during the benchmark: {failed}")


if __name__ == "__main__":
    sys.exit(main())
