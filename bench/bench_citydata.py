"""NGSI-LD broker throughput through the HTTP API, on PostgreSQL and SQLite.

Measures, at 10,000 and then 100,000 entities:

- creates/s: single ``POST /entities`` and batch ``POST /entityOperations/create`` (100 per batch);
- queries/s: ``GET /entities?type=…&q=pm25>X;district=="dN"`` (type + q filter, limit 20) and a
  geo-query (``near;maxDistance==500`` around a random point);

with baselines measured in the same run: the very SQL the broker generates for the same
filter, run raw through the database driver (no HTTP, no JSON-LD, no rendering; for the
geo-query that is the bounding-box pre-filter), and a bare HTTP endpoint on the same server
(``GET /bare`` returning ``[]``) for the cost of HTTP alone. The server is a separate uvicorn
process (one worker); the load generator (a lean keep-alive HTTP/1.1 client, 8 requests in
flight, its CPU reported beside each number) shares the 2 cores.

Run: ``.venv/bin/python -m bench citydata`` (PostgreSQL at 127.0.0.1:5432, database ``test``
reachable as postgres). Knobs: BENCH_CITYDATA_MAX=10000 skips the 100,000 step,
BENCH_CITYDATA_BACKENDS=postgresql runs one backend, BENCH_CITYDATA_WORKERS=2 serves with two
uvicorn workers.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.report import write

PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SIZES = [n for n in (10_000, 100_000) if n <= int(os.environ.get("BENCH_CITYDATA_MAX", "100000"))]
CONCURRENCY = 8
TYPES = ("AirQualityObserved", "WeatherObserved", "ParkingSpot", "StreetLight", "WasteContainer")
VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
CENTRE = (138.05, 36.10)
BATCH = 100
SINGLE_CREATES = 1000
QUERY_SECONDS = 6.0
ROUNDS = 3
PREPARED = 300
WORKERS = int(os.environ.get("BENCH_CITYDATA_WORKERS", "1"))
BACKENDS = os.environ.get("BENCH_CITYDATA_BACKENDS", "postgresql,sqlite").split(",")


def make_app() -> Any:
    """The server under test: the citydata router and a bare endpoint (uvicorn factory)."""
    from fastapi import FastAPI
    from fastapi.responses import Response

    from tenohira.citydata.api import router
    from tenohira.core.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)

    @app.get("/bare")
    async def bare() -> Response:
        return Response(b"[]", media_type="application/json")

    return app


def entity(i: int, rng: random.Random) -> dict[str, Any]:
    lon = CENTRE[0] + rng.uniform(-0.1, 0.1)
    lat = CENTRE[1] + rng.uniform(-0.1, 0.1)
    return {
        "id": f"urn:ngsi-ld:{TYPES[i % len(TYPES)]}:bench:{i:07d}",
        "type": TYPES[i % len(TYPES)],
        "pm25": {
            "type": "Property",
            "value": round(rng.uniform(0, 100), 1),
            "unitCode": "GQ",
            "observedAt": "2026-11-26T09:00:00Z",
        },
        "temperature": {"type": "Property", "value": round(rng.uniform(-5, 35), 1), "unitCode": "CEL"},
        "district": {"type": "Property", "value": f"d{rng.randrange(10)}"},
        "name": {"type": "Property", "value": f"sensor {i}"},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        },
        "refDevice": {"type": "Relationship", "object": f"urn:ngsi-ld:Device:{i % 500}"},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "TENOHIRA_DATABASE_URL": db_url, "TENOHIRA_ENVIRONMENT": "production"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.bench_citydata:make_app",
                "--factory",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
                # idle connections survive the ANALYZE between sizes (default: closed after 5 s)
                "--timeout-keep-alive",
                "600",
                *(["--workers", str(WORKERS)] if WORKERS > 1 else []),
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
        )

    async def wait(self) -> None:
        import httpx

        async with httpx.AsyncClient() as c:
            for _ in range(200):
                try:
                    if (await c.get(self.url + "/bare")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("bench server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


class LeanClient:
    """A minimal HTTP/1.1 keep-alive client: CONCURRENCY connections, pre-encoded requests.

    httpx spends about a millisecond of CPU per request, on the same 2 cores as the server
    and the database; this one writes prepared bytes and reads the status line, the
    Content-Length and the body, so the load generator stays a small share of the machine
    (its CPU is reported with every measurement).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self.opened: list[asyncio.StreamWriter] = []

    async def open(self) -> None:
        for _ in range(CONCURRENCY):
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.opened.append(writer)
            self.idle.put_nowait((reader, writer))

    async def close(self) -> None:
        for w in self.opened:
            w.close()

    @staticmethod
    def request(method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Accept: application/json"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        reader, writer = await self.idle.get()
        try:
            writer.write(raw)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                # the server closed an idle connection: reconnect and send again
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.opened.append(writer)
                writer.write(raw)
                head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            return status, (await reader.readexactly(length)) if length else b""
        finally:
            self.idle.put_nowait((reader, writer))


def target(path: str, params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return f"{path}?{urlencode(params)}" if params else path


async def timed(n_or_seconds: float, make_call: Any, *, by_time: bool) -> tuple[int, float, float]:
    """Run calls with CONCURRENCY in flight; by count, or for a time.

    Returns (calls, seconds, the load generator's CPU over those seconds: 1.0 = one core busy).
    """
    done = 0
    stop_at = time.perf_counter() + n_or_seconds if by_time else None
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal done
        while True:
            k = next(counter)
            if stop_at is None and k >= n_or_seconds:
                return
            if stop_at is not None and time.perf_counter() >= stop_at:
                return
            await make_call(k)
            done += 1

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    secs = time.perf_counter() - t0
    return done, secs, (time.process_time() - cpu0) / secs


def _json(obj: Any) -> bytes:
    import json

    return json.dumps(obj, separators=(",", ":")).encode()


async def run_backend(name: str, db_url: str, raw: Any) -> dict[str, Any]:
    from tenohira.core.db import migrate

    await migrate(db_url)
    server = Server(db_url)
    results: dict[str, Any] = {}
    try:
        await server.wait()
        client = LeanClient(server.port)
        await client.open()
        try:
            rng = random.Random(42)

            async def ok(raw_request: bytes, status: int) -> None:
                got, body = await client.send(raw_request)
                if got != status:
                    line = raw_request.split(b"\r\n", 1)[0].decode()
                    raise RuntimeError(f"{line}: {got} {body[:300]!r}")

            # single creates (their entities count towards the first size)
            made = 0

            async def single(k: int) -> None:
                body = _json(entity(k, random.Random(k)))
                await ok(LeanClient.request("POST", "/ngsi-ld/v1/entities", body), 201)

            n, secs, cpu = await timed(SINGLE_CREATES, single, by_time=False)
            made += n
            results["single_creates_per_s"] = round(n / secs, 1)
            results["single_creates_load_generator_cpu"] = round(cpu, 2)
            print(f"[{name}] single creates: {n / secs:.0f}/s (load generator cpu {cpu:.2f})", flush=True)

            batch_total = 0.0
            batch_count = 0
            for size in SIZES:
                start = made

                async def batch(k: int, start: int = start) -> None:
                    first = start + k * BATCH
                    body = _json([entity(i, random.Random(i)) for i in range(first, first + BATCH)])
                    await ok(LeanClient.request("POST", "/ngsi-ld/v1/entityOperations/create", body), 201)

                batches = (size - made) // BATCH
                n, secs, cpu = await timed(batches, batch, by_time=False)
                made += n * BATCH
                batch_total += secs
                batch_count += n * BATCH
                rate = n * BATCH / secs
                results[f"batch_creates_per_s_to_{size}"] = round(rate, 1)
                results[f"batch_creates_to_{size}_load_generator_cpu"] = round(cpu, 2)
                print(
                    f"[{name}] batch creates up to {made}: {rate:.0f}/s (load generator cpu {cpu:.2f})",
                    flush=True,
                )
                await raw.analyze()

                def q_params() -> dict[str, str]:
                    return {
                        "type": rng.choice(TYPES),
                        "q": f'pm25>{rng.randrange(90)};district=="d{rng.randrange(10)}"',
                        "limit": "20",
                    }

                def geo_params() -> dict[str, str]:
                    lon = CENTRE[0] + rng.uniform(-0.09, 0.09)
                    lat = CENTRE[1] + rng.uniform(-0.09, 0.09)
                    return {
                        "type": rng.choice(TYPES),
                        "georel": "near;maxDistance==500",
                        "geometry": "Point",
                        "coordinates": f"[{lon:.5f},{lat:.5f}]",
                    }

                # Parameters, requests and their SQL are prepared before timing, so that the
                # baselines measure the database alone: the very SQL the broker generates, run raw.
                q_set = [q_params() for _ in range(PREPARED)]
                geo_set = [geo_params() for _ in range(PREPARED)]
                q_req = [LeanClient.request("GET", target("/ngsi-ld/v1/entities", p)) for p in q_set]
                geo_req = [LeanClient.request("GET", target("/ngsi-ld/v1/entities", p)) for p in geo_set]
                bare_req = LeanClient.request("GET", "/bare")
                q_sql = [raw.sql_for(p) for p in q_set]
                geo_sql = [raw.sql_for(p) for p in geo_set]

                async def q_call(k: int) -> None:
                    await ok(q_req[k % PREPARED], 200)

                async def geo_call(k: int) -> None:
                    await ok(geo_req[k % PREPARED], 200)

                async def bare_call(_k: int) -> None:
                    await ok(bare_req, 200)

                async def raw_q(k: int) -> None:
                    await raw.run(q_sql[k % PREPARED])

                async def raw_geo(k: int) -> None:
                    await raw.run(geo_sql[k % PREPARED])

                row: dict[str, Any] = {}
                # Interleaved rounds, best of each: the machine is shared, so a load spike
                # should not land on one measurement and skew its ratio to the baselines.
                for _round in range(ROUNDS):
                    for label, call in (
                        ("filtered_query", q_call),
                        ("geo_query", geo_call),
                        ("bare_http", bare_call),
                        ("raw_sql_filtered", raw_q),
                        ("raw_sql_geo_prefilter", raw_geo),
                    ):
                        n, secs, cpu = await timed(QUERY_SECONDS / ROUNDS, call, by_time=True)
                        key = f"{label}_per_s"
                        if n / secs > row.get(key, 0.0):
                            row[key] = round(n / secs, 1)
                            row[f"{label}_load_generator_cpu"] = round(cpu, 2)
                row["filtered_query_vs_raw_sql"] = round(
                    row["filtered_query_per_s"] / row["raw_sql_filtered_per_s"], 3
                )
                row["filtered_query_vs_bare_http"] = round(
                    row["filtered_query_per_s"] / row["bare_http_per_s"], 3
                )
                row["geo_query_vs_raw_sql_prefilter"] = round(
                    row["geo_query_per_s"] / row["raw_sql_geo_prefilter_per_s"], 3
                )
                row["geo_query_vs_bare_http"] = round(row["geo_query_per_s"] / row["bare_http_per_s"], 3)
                row["load_average"] = [round(x, 2) for x in os.getloadavg()]
                results[f"at_{size}"] = row
                print(f"[{name}] at {size}: {row}", flush=True)
            results["batch_creates_per_s_overall"] = (
                round(batch_count / batch_total, 1) if batch_total else None
            )
        finally:
            await client.close()
    finally:
        server.stop()
    return results


def _sql_for(params: dict[str, str], dialect: Any) -> Any:
    """The SQL the broker runs for these query parameters: on PostgreSQL the statement and its
    arguments as the broker hands them to asyncpg, on SQLite the SQL with the values inlined."""
    from tenohira.citydata import service
    from tenohira.citydata.jsonld import core_context
    from tenohira.citydata.query import parse_q
    from tenohira.citydata.subscriptions import parse_geo

    ctx = core_context()
    q = service.EntityQuery(type_groups=service.parse_type_selection(params["type"], ctx), limit=20)
    if "q" in params:
        q.q = parse_q(params["q"])
    if "georel" in params:
        q.geo = parse_geo(params["georel"], params["geometry"], params["coordinates"], None, ctx)
    plan = service.plan_query(q, ctx, dialect.name)
    if dialect.name == "postgresql":
        return plan.driver_page(q)
    stmt = plan.page_statement(q)
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


class RawPg:
    """Baseline: the broker's SQL straight through asyncpg (no HTTP, no NGSI-LD layer)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.dialects import postgresql

        self.url = url.replace("postgresql+asyncpg://", "postgresql://")
        self.dialect = postgresql.dialect()
        self.pool: Any = None

    def sql_for(self, params: dict[str, str]) -> str:
        return _sql_for(params, self.dialect)

    async def open(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        self.pool = await asyncpg.create_pool(self.url, min_size=CONCURRENCY, max_size=CONCURRENCY)

    async def analyze(self) -> None:
        async with self.pool.acquire() as c:
            await c.execute("ANALYZE citydata_entities")

    async def run(self, statement: tuple[str, list[Any]]) -> None:
        sql, args = statement
        async with self.pool.acquire() as c:
            await c.fetch(sql, *args)

    async def close(self) -> None:
        await self.pool.close()


class RawSqlite:
    """Baseline: the broker's SQL through the stdlib sqlite3 module (one connection, in a thread)."""

    def __init__(self, path: str) -> None:
        from sqlalchemy.dialects import sqlite

        self.path = path
        self.dialect = sqlite.dialect()
        self.conn: Any = None

    def sql_for(self, params: dict[str, str]) -> str:
        return _sql_for(params, self.dialect)

    async def open(self) -> None:
        import re
        import sqlite3

        from tenohira.citydata.query import SQLITE_Q_FUNCTION, sqlite_q_match

        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.create_function("regexp", 2, lambda a, b: b is not None and re.search(a, b) is not None)
        # q runs as this SQL function on SQLite (the broker's evaluator); sql_for registered the keys.
        self.conn.create_function(SQLITE_Q_FUNCTION, 2, sqlite_q_match, deterministic=True)
        self.lock = asyncio.Lock()

    async def analyze(self) -> None:
        self.conn.execute("ANALYZE")

    async def run(self, sql: str) -> None:
        async with self.lock:
            await asyncio.to_thread(lambda: self.conn.execute(sql).fetchall())

    async def close(self) -> None:
        self.conn.close()


async def amain() -> dict[str, Any]:
    out: dict[str, Any] = {
        "sizes": SIZES,
        "concurrency": CONCURRENCY,
        "batch_size": BATCH,
        "server_workers": WORKERS,
        # The machine is shared: the load average tells how much of its 2 cores the run had.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    if "postgresql" in BACKENDS:
        out["postgresql"] = await bench_postgresql()
    if "sqlite" in BACKENDS:
        out["sqlite"] = await bench_sqlite()
    out["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


async def bench_postgresql() -> dict[str, Any]:
    """Our own database next to the admin one, dropped afterwards."""
    import asyncpg

    from tenohira.core.db import dispose_databases, migrate

    admin = PG_ADMIN.replace("postgresql+asyncpg://", "postgresql://")
    name = "bench_citydata_" + uuid.uuid4().hex[:8]
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    pg_url = PG_ADMIN.rpartition("/")[0] + "/" + name
    try:
        raw_pg = RawPg(pg_url)
        await migrate(pg_url)
        await raw_pg.open()
        try:
            return await run_backend("postgresql", pg_url, raw_pg)
        finally:
            await raw_pg.close()
    finally:
        await dispose_databases()
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def bench_sqlite() -> dict[str, Any]:
    from tenohira.core.db import migrate

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        await migrate(url)
        raw_sqlite = RawSqlite(path)
        await raw_sqlite.open()
        try:
            return await run_backend("sqlite", url, raw_sqlite)
        finally:
            await raw_sqlite.close()


def main() -> None:
    write("citydata", asyncio.run(amain()))


if __name__ == "__main__":
    main()
