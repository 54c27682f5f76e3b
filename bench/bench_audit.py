"""Transparency log: appends per second, sequencing, and inclusion-proof time at 1,000,000 entries.

Baselines measured in the same run:
- appends: a raw ``executemany`` INSERT of the same rows with the bare driver (sqlite3), no hashing,
  no SQLAlchemy, no validation — the floor for "put rows in this database";
- proofs: one primary-key SELECT of one row through the same async session — the floor for "ask
  this database anything".

Environment: ``BENCH_AUDIT_ENTRIES`` (default 1,000,000), ``BENCH_AUDIT_DATABASE_URL`` (default: a
temporary SQLite file, the embedded configuration).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import percentile, write


def _events(start: int, count: int) -> list[Any]:
    from tenohira.audit import AuditEvent

    return [
        AuditEvent(
            type="hub:exchange",
            actor=f"member:m{i % 7}",
            subject=f"code:{i:010d}",
            payload=i.to_bytes(8, "big"),
            attributes={"service": "residents.basic", "outcome": "ok"},
        )
        for i in range(start, start + count)
    ]


def _raw_insert_baseline(path: Path, rows: int, batch: int) -> float:
    """Rows per second for a bare sqlite3 executemany of equally sized rows."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, leaf_index INTEGER UNIQUE, type TEXT, actor TEXT,"
        " subject TEXT, created_at TEXT, payload_digest BLOB, attributes TEXT, leaf_hash BLOB)"
    )
    data = [
        (None, "hub:exchange", f"member:m{i % 7}", f"code:{i:010d}", "2026-11-26 08:00:00.000000",
         os.urandom(32), '{"service":"residents.basic","outcome":"ok"}', os.urandom(32))
        for i in range(rows)
    ]  # fmt: skip
    t0 = time.perf_counter()
    for s in range(0, rows, batch):
        conn.executemany("INSERT INTO t VALUES (NULL,?,?,?,?,?,?,?,?)", data[s : s + batch])
        conn.commit()
    elapsed = time.perf_counter() - t0
    conn.close()
    return rows / elapsed


async def _raw_pg_baseline(url: str, rows: int, batch: int) -> float:
    """Rows per second for a bare asyncpg executemany of equally sized rows (same database)."""
    import json
    from datetime import UTC, datetime

    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await conn.execute(
        "CREATE TEMP TABLE t (id BIGSERIAL PRIMARY KEY, leaf_index BIGINT UNIQUE, type TEXT, actor TEXT,"
        " subject TEXT, created_at TIMESTAMPTZ, payload_digest BYTEA, attributes JSON, leaf_hash BYTEA)"
    )
    now = datetime.now(UTC)
    attrs = json.dumps({"service": "residents.basic", "outcome": "ok"})
    data = [
        ("hub:exchange", f"member:m{i % 7}", f"code:{i:010d}", now, os.urandom(32), attrs, os.urandom(32))
        for i in range(rows)
    ]
    t0 = time.perf_counter()
    for s in range(0, rows, batch):
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO t (type, actor, subject, created_at, payload_digest, attributes, leaf_hash)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                data[s : s + batch],
            )
    elapsed = time.perf_counter() - t0
    await conn.close()
    return rows / elapsed


async def _run(url: str, entries: int, workdir: Path) -> dict[str, Any]:
    from sqlalchemy import select

    from tenohira.audit import append_event, append_events
    from tenohira.audit.log import inclusion_proof, root_at, sequence_batch
    from tenohira.audit.merkle import verify_inclusion
    from tenohira.audit.models import AuditEntry
    from tenohira.core.db import Database, migrate

    await migrate(url)
    db = Database(url)
    results: dict[str, Any] = {"database": url.split(":")[0], "entries": entries}

    # 1. single appends, one transaction each (what a request does)
    singles = 2000
    t0 = time.perf_counter()
    for i in range(singles):
        async with db.session() as s:
            await append_event(s, type="card:auth:success", actor=f"card:{i:X}", attributes={"outcome": "ok"})
    results["single_append_per_s"] = round(singles / (time.perf_counter() - t0))

    # 2. batched appends (append_events, 1000 per transaction) up to ``entries``
    batch = 1000
    t0 = time.perf_counter()
    done = singles
    first_batch_window = min(entries, 200_000)
    timed = 0
    while done < entries:
        k = min(batch, entries - done)
        async with db.session() as s:
            await append_events(s, _events(done, k))
        done += k
        if done <= first_batch_window:
            timed = done - singles
            append_elapsed = time.perf_counter() - t0
    appends_per_s = timed / append_elapsed if timed else float("nan")
    results["batched_append_per_s"] = round(appends_per_s)

    if url.startswith("sqlite"):
        baseline = _raw_insert_baseline(workdir / "baseline.db", min(200_000, entries), batch)
        results["baseline_raw_sqlite3_insert_per_s"] = round(baseline)
    else:
        baseline = await _raw_pg_baseline(url, min(200_000, entries), batch)
        results["baseline_raw_asyncpg_executemany_per_s"] = round(baseline)
    results["batched_append_vs_raw_insert"] = round(appends_per_s / baseline, 3)

    # 3. sequencing (leaf indices + stored subtrees), in 20,000-entry transactions
    t0 = time.perf_counter()
    sequenced = 0
    while True:
        async with db.session() as s:
            n = await sequence_batch(s, 20_000)
        if n == 0:
            break
        sequenced += n
    seq_elapsed = time.perf_counter() - t0
    results["sequenced"] = sequenced
    results["sequence_per_s"] = round(sequenced / seq_elapsed)
    results["end_to_end_append_plus_sequence_per_s"] = round(
        1 / (1 / appends_per_s + seq_elapsed / sequenced)
    )

    # 4. inclusion proofs at the full size, random leaves, one session (as an API request has)
    rng = random.Random(1)
    proofs = 2000
    async with db.session() as s:
        root = await root_at(s, sequenced)
        warm = [await inclusion_proof(s, rng.randrange(sequenced), sequenced) for _ in range(50)]
        proof_times: list[float] = []
        checked = 0
        for _ in range(proofs):
            m = rng.randrange(sequenced)
            t = time.perf_counter()
            p = await inclusion_proof(s, m, sequenced)
            proof_times.append(time.perf_counter() - t)
            if checked < 200:
                verify_inclusion(m, sequenced, p.leaf_hash, p.path, root)
                checked += 1
        base_times: list[float] = []
        for _ in range(proofs):
            eid = rng.randrange(1, sequenced)
            t = time.perf_counter()
            (await s.execute(select(AuditEntry.leaf_hash).where(AuditEntry.id == eid))).scalar_one()
            base_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        for _ in range(1000):
            verify_inclusion(p.leaf_index, sequenced, p.leaf_hash, p.path, root)
        verify_us = (time.perf_counter() - t) / 1000 * 1e6
    del warm
    p50, p99 = percentile(proof_times, 50) * 1000, percentile(proof_times, 99) * 1000
    b50 = percentile(base_times, 50) * 1000
    results["inclusion_proof_ms_p50"] = round(p50, 3)
    results["inclusion_proof_ms_p99"] = round(p99, 3)
    results["inclusion_proof_path_length"] = len(p.path)
    results["baseline_single_row_select_ms_p50"] = round(b50, 3)
    results["inclusion_proof_vs_single_select"] = round(p50 / b50, 2)
    results["client_verify_inclusion_us"] = round(verify_us, 1)
    await db.dispose()
    return results


def main() -> None:
    entries = int(os.environ.get("BENCH_AUDIT_ENTRIES", "1000000"))
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_AUDIT_DATABASE_URL") or f"sqlite+aiosqlite:///{Path(tmp) / 'audit.db'}"
        print(f"building a log of {entries:,} entries in {url.split('://')[0]} …", flush=True)
        t0 = time.perf_counter()
        results = asyncio.run(_run(url, entries, Path(tmp)))
        results["total_seconds"] = round(time.perf_counter() - t0, 1)
    write("audit", results)


if __name__ == "__main__":
    main()
