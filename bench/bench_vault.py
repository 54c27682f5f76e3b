"""Vault: encrypt/decrypt throughput of resident records, and what the vault adds to registry reads.

Measured in the same run, on the embedded configuration (SQLite, three site directories, k = 2):

- records/s to seal a resident record (6 AES-256-GCM fields + 2 blind indexes) and to open it
  again, warm key cache — against the baseline of plain JSON serialisation/parsing of the same
  records (what storing them in clear would cost at least);
- first-time key creation (new persons: data keys generated, wrapped, written to every site);
- the registry read path: ``get_resident`` (one primary-key query + decryption) and a household
  read, each against the same query and record building with a null vault that hands back the
  plaintext (so the difference is exactly the vault's cost), warm and with a cold key cache.

Environment: ``BENCH_VAULT_RECORDS`` (default 5,000), ``BENCH_VAULT_READS`` (default 2,000).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.report import percentile, write


def _people(n: int) -> list[dict[str, Any]]:
    from tenohira.agencies.synthetic import WorldState, grow

    plans = grow(WorldState(seed=20261126, reference_date=date(2026, 11, 26)), n)
    return [
        {
            "id": m.resident_id,
            "name": m.name,
            "name_kana": m.name_kana,
            "individual_number": m.individual_number,
            "birth_date": m.birth_date,
            "moved_in": m.moved_in or m.birth_date,
            "expecting_due_date": m.expecting_due_date,
        }
        for h in plans
        for m in h.members
    ]


def _json_row(p: dict[str, Any]) -> str:
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in p.items()}, ensure_ascii=False
    )


class _NullVault:
    """Hands back the plaintext: the registry read path with the vault's work taken out."""

    def __init__(self, plain: dict[tuple[str, str], str]) -> None:
        self.plain = plain

    def decrypt_text(self, _person: str, record: str, field: str, _ct: bytes) -> str:
        return self.plain[(record, field)]


async def _run() -> dict[str, Any]:
    from tenohira.core import reset_settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-vault-"))
    os.environ["TENOHIRA_DATA_DIR"] = str(tmp / "var")
    os.environ["TENOHIRA_DEMO_RESIDENTS"] = "0"
    os.environ.pop("TENOHIRA_DATABASE_URL", None)
    reset_settings()

    from tenohira.agencies.municipality import repository
    from tenohira.agencies.municipality.bootstrap import seed_population
    from tenohira.core import get_settings
    from tenohira.core.db import dispose_databases, get_database, migrate
    from tenohira.core.progress import no_progress
    from tenohira.vault import open_vault

    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    vault = await open_vault(settings)
    n = int(os.environ.get("BENCH_VAULT_RECORDS", "5000"))
    people = _people(n)
    results: dict[str, Any] = {"records": len(people)}

    # -- throughput: seal / open resident records -------------------------------------------
    t0 = time.perf_counter()
    vault.ensure_keys(p["id"] for p in people)  # new persons: create, wrap, store at 3 sites
    results["key_creation_per_s"] = round(len(people) / (time.perf_counter() - t0))

    def best(fn: Any, repeat: int = 3) -> float:
        times = []
        for _ in range(repeat):
            s = time.perf_counter()
            fn()
            times.append(time.perf_counter() - s)
        return min(times)

    sealed: list[dict[str, Any]] = []

    def seal_all() -> None:
        sealed.clear()
        sealed.extend(repository.seal_resident(vault, p) for p in people)

    def open_all() -> None:
        for p, s in zip(people, sealed, strict=True):
            rid = p["id"]
            for field in ("name", "name_kana", "individual_number", "birth_date", "moved_in"):
                vault.decrypt(rid, rid, field, s[field])
            if s["expecting_due_date"] is not None:
                vault.decrypt(rid, rid, "expecting_due_date", s["expecting_due_date"])

    json_rows: list[str] = []

    def json_dump_all() -> None:
        json_rows.clear()
        json_rows.extend(_json_row(p) for p in people)

    def json_load_all() -> None:
        for row in json_rows:
            json.loads(row)

    t_seal = best(seal_all)
    t_open = best(open_all)
    t_dump = best(json_dump_all)
    t_load = best(json_load_all)
    results["seal_records_per_s"] = round(len(people) / t_seal)
    results["open_records_per_s"] = round(len(people) / t_open)
    results["baseline_json_dumps_records_per_s"] = round(len(people) / t_dump)
    results["baseline_json_loads_records_per_s"] = round(len(people) / t_load)
    results["seal_cost_vs_json_dumps"] = round(t_seal / t_dump, 2)
    results["open_cost_vs_json_loads"] = round(t_open / t_load, 2)
    results["seal_us_per_record"] = round(t_seal / len(people) * 1e6, 1)
    results["open_us_per_record"] = round(t_open / len(people) * 1e6, 1)

    # -- the registry read path -------------------------------------------------------------
    residents = 2000
    await seed_population(settings, residents, no_progress)
    db = get_database(settings)
    city = settings.municipality_name_ja
    reads = int(os.environ.get("BENCH_VAULT_READS", "2000"))
    rng = random.Random(7)
    ids = [f"R{rng.randint(1, residents):07d}" for _ in range(reads)]

    async with db.session() as session:
        rows = {row[0].id: row for row in (await session.execute(repository._joined())).all()}
        plain: dict[tuple[str, str], str] = {}
        for rid, row in rows.items():
            rec = repository.to_record(row[0], row[1], row[2], city, vault)
            for field in ("name", "name_kana", "individual_number"):
                plain[(rid, field)] = getattr(rec, field)
            plain[(rid, "birth_date")] = rec.birth_date.isoformat()
            plain[(rid, "moved_in")] = rec.moved_in.isoformat()
            if rec.expecting_due_date:
                plain[(rid, "expecting_due_date")] = rec.expecting_due_date.isoformat()
            plain[(row[1].id, "address_line")] = rec.address.removeprefix(city + rec.district)
    null = _NullVault(plain)

    async def read_path(cold: bool) -> tuple[list[float], list[float]]:
        """Each read twice, alternating null vault and vault, so machine noise hits both alike."""
        base: list[float] = []
        real: list[float] = []
        async with db.session() as session:
            for i, rid in enumerate(ids):
                q = repository._joined().where(repository.Resident.id == rid)
                order = [(null, base), (vault, real)] if i % 2 else [(vault, real), (null, base)]
                for use, sink in order:
                    if cold and use is vault:
                        vault._cache.clear()
                    s = time.perf_counter()
                    row = (await session.execute(q)).first()
                    assert row is not None
                    repository.to_record(row[0], row[1], row[2], city, use)
                    sink.append(time.perf_counter() - s)
        return base, real

    async def household_path() -> tuple[list[float], list[float]]:
        base: list[float] = []
        real: list[float] = []
        hids = [rows[rid][1].id for rid in ids[:500]]
        async with db.session() as session:
            for i, hid in enumerate(hids):
                q = repository._joined().where(repository.Household.id == hid)
                order = [(null, base), (vault, real)] if i % 2 else [(vault, real), (null, base)]
                for use, sink in order:
                    s = time.perf_counter()
                    for row in (await session.execute(q)).all():
                        repository.to_record(row[0], row[1], row[2], city, use)
                    sink.append(time.perf_counter() - s)
        return base, real

    await read_path(False)  # warm up the connection and caches
    base, warm = await read_path(False)
    base_c, cold = await read_path(True)
    hh_base, hh_vault = await household_path()

    def ms(v: list[float]) -> float:
        return round(percentile(v, 50) * 1000, 4)

    results["registry_get_p50_ms_without_vault"] = ms(base)
    results["registry_get_p50_ms_with_vault_warm"] = ms(warm)
    results["registry_get_p50_ms_with_vault_cold_key"] = ms(cold)
    results["registry_get_vault_overhead_warm"] = round(sum(warm) / sum(base) - 1, 3)
    results["registry_get_vault_overhead_cold"] = round(sum(cold) / sum(base_c) - 1, 3)
    results["household_read_p50_ms_without_vault"] = ms(hh_base)
    results["household_read_p50_ms_with_vault"] = ms(hh_vault)
    results["household_read_vault_overhead"] = round(sum(hh_vault) / sum(hh_base) - 1, 3)
    results["vault_added_us_per_resident_read_warm"] = round((sum(warm) - sum(base)) / len(ids) * 1e6, 1)
    results["vault_added_us_per_resident_read_cold"] = round((sum(cold) - sum(base_c)) / len(ids) * 1e6, 1)
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    await dispose_databases()
    return results


_TIMED = ("encrypt", "decrypt", "blind_index", "ensure_keys", "person_digest")


class _VaultTime:
    """Time spent inside the vault (outermost calls only), summed on every thread."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0


@contextlib.contextmanager
def _live_platform_timing_the_vault(prefix: str) -> Iterator[tuple[Any, _VaultTime]]:
    """A bootstrapped live platform in this process (small demo city), with every vault call timed;
    yields the server and the running total, restores the vault's methods afterwards."""
    import threading

    from tests.conftest import LiveServer, free_port

    from tenohira.cli import bootstrap_all
    from tenohira.core import get_settings, reset_settings
    from tenohira.core.progress import no_progress
    from tenohira.vault import Vault

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    os.environ.update(
        {"TENOHIRA_DATA_DIR": str(tmp / "var"), "TENOHIRA_PORT": str(port), "TENOHIRA_DEMO_RESIDENTS": "200"}
    )
    reset_settings()
    asyncio.run(bootstrap_all(get_settings(), no_progress))
    spent = _VaultTime()
    depth = threading.local()
    lock = threading.Lock()

    def timed(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            outer = not getattr(depth, "n", 0)
            depth.n = getattr(depth, "n", 0) + 1
            s = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                depth.n -= 1
                if outer:
                    with lock:
                        spent.seconds += time.perf_counter() - s
                        spent.calls += 1

        return wrapper

    originals = {name: getattr(Vault, name) for name in _TIMED}
    for name, fn in originals.items():
        setattr(Vault, name, timed(fn))
    server = LiveServer(port)
    server.start()
    try:
        yield server, spent
    finally:
        server.stop()
        for name, fn in originals.items():
            setattr(Vault, name, fn)


def _story() -> dict[str, Any]:
    """The birth story end to end (live platform, real hub, real signatures), with the time spent
    inside the vault (encrypt, decrypt, blind indexes, key loads) summed on every thread."""
    from tests.agencies.test_birth_story import test_birth_certificate_then_birth_notification as story

    with _live_platform_timing_the_vault("bench-vault-story-") as (server, spent):
        t0 = time.perf_counter()
        asyncio.run(story(server))
        total = time.perf_counter() - t0
    return {
        "birth_story_ms": round(total * 1000, 1),
        "birth_story_vault_ms": round(spent.seconds * 1000, 2),
        "birth_story_vault_calls": spent.calls,
        "birth_story_vault_overhead": round(spent.seconds / (total - spent.seconds), 4),
    }


def _scenario() -> dict[str, Any]:
    """``tenohira scenario birth`` against a live platform in this process (every table that holds
    personal data sealed: registry, insurer, hospital, palm, intakes, hub log digests), with the
    time spent inside the vault summed on every thread. The card is issued by a ``tenohira``
    subprocess (as an operator would): its vault calls are in the total, not in the vault's share."""
    from tenohira.core import get_settings
    from tenohira.scenarios.birth import run_story

    with _live_platform_timing_the_vault("bench-vault-scenario-") as (server, spent):
        summary = run_story(server.url, data_dir=get_settings().data_dir)
    total = sum(step["ms"] for step in summary["steps"]) / 1000
    without_card = total - sum(step["ms"] for step in summary["steps"] if step["step"] == "card") / 1000
    return {
        "scenario_ok": summary["ok"],
        "scenario_ms": round(total * 1000, 1),
        "scenario_ms_without_card_step": round(without_card * 1000, 1),
        "scenario_vault_ms": round(spent.seconds * 1000, 2),
        "scenario_vault_calls": spent.calls,
        # share of the end-to-end time, and against the time outside the vault (the baseline)
        "scenario_vault_share": round(spent.seconds / total, 4),
        "scenario_vault_share_without_card_step": round(spent.seconds / without_card, 4),
        "scenario_vault_overhead": round(spent.seconds / (total - spent.seconds), 4),
    }


def main() -> None:
    """Run the vault benchmark and write bench/results/vault.json."""
    results = asyncio.run(_run())
    if os.environ.get("BENCH_VAULT_STORY", "1") == "1":
        results.update(_story())
    if os.environ.get("BENCH_VAULT_SCENARIO", "1") == "1":
        results.update(_scenario())
    write("vault", results)


if __name__ == "__main__":
    main()
