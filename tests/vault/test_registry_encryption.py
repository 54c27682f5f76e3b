"""The municipality registry through the vault: nothing personal in clear on disk, lookups by blind
index, shredding one resident, and rows from before encryption sealed at start-up."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenohira.agencies.municipality import (
    find_by_individual_number,
    find_residents,
    get_resident,
    household_of,
    list_residents,
)
from tenohira.agencies.municipality.bootstrap import bootstrap as municipality_bootstrap
from tenohira.agencies.municipality.bootstrap import seed_population
from tenohira.core import get_settings
from tenohira.core.progress import no_progress
from tenohira.vault import DataShredded, close_vaults, open_vault
from tenohira.vault.sites import configured_sites


def _files(*roots: Path) -> list[Path]:
    out: list[Path] = []
    for root in roots:
        out += (
            [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else [root] if root.exists() else []
        )
    return out


async def _pg_dump_bytes(url: str) -> bytes:
    """Every table of a PostgreSQL database, as the raw text/bytea values a dump would carry."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    chunks: list[bytes] = []
    async with engine.connect() as conn:
        tables = (
            await conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        ).all()
        for (table,) in tables:
            rows = await conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            for row in rows:
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    await engine.dispose()
    return b"\n".join(chunks)


async def test_no_name_or_individual_number_in_clear_after_seeding(migrated_db: Any, tmp_path: Path) -> None:
    settings = get_settings()
    assert await seed_population(settings, 200, no_progress) == 200
    async with migrated_db.session() as session:
        residents = await list_residents(session, limit=1000)
    assert len(residents) == 200
    await migrated_db.dispose()
    close_vaults()  # nothing cached or open: look at the bytes at rest

    sites = [s.path for s in configured_sites(settings)]
    files = _files(settings.data_dir, *sites)
    if migrated_db.is_sqlite:
        db_file = Path(migrated_db.url.split(":///", 1)[1])
        files += _files(db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-journal"))
        blob = b"".join(p.read_bytes() for p in files)
        assert db_file.stat().st_size > 0
    else:
        blob = b"".join(p.read_bytes() for p in files) + await _pg_dump_bytes(migrated_db.url)
    assert any(p.name == "keys.sqlite" for p in files)

    # the check is able to see plaintext: the 町字 names (not personal) are stored in clear
    assert residents[0].district.encode() in blob
    leaks: list[str] = []
    for r in residents:
        needles = {
            "name": r.name,
            "name without space": r.name.replace("\u3000", ""),
            "reading": r.name_kana,
            "individual number": r.individual_number,
            "address line": r.address.removeprefix(settings.municipality_name_ja + r.district),
        }
        for what, text in needles.items():
            for encoding in ("utf-8", "utf-16-le"):
                if text.encode(encoding) in blob:
                    leaks.append(f"{r.id} {what} ({encoding})")
    assert not leaks, leaks[:10]


async def test_lookups_by_blind_index_and_shredding_one_resident(migrated_db: Any) -> None:
    settings = get_settings()
    await seed_population(settings, 60, no_progress)
    async with migrated_db.session() as session:
        everyone = await list_residents(session, limit=100)
        target = everyone[5]
        found = await find_by_individual_number(session, target.individual_number)
        assert found == target
        # the counter types the name with a half-width space and full-width digits nowhere matter
        by_name = await find_residents(
            session, name=target.name.replace("\u3000", " "), birth_date=target.birth_date
        )
        assert target in by_name
        assert await find_residents(session, name=target.name, birth_date=date(1800, 1, 1)) == []
        assert await find_by_individual_number(session, "000000000000") is None
        stored = (
            await session.execute(
                sa.text("SELECT name, individual_number_index FROM muni_residents WHERE id = :i"),
                {"i": target.id},
            )
        ).one()
        assert target.name.encode() not in bytes(stored[0]) and stored[1] != target.individual_number

    vault = await open_vault(settings)
    vault.shred(target.id)
    async with migrated_db.session() as session:
        with pytest.raises(DataShredded):
            await get_resident(session, target.id)
        rest = await list_residents(session, limit=100)
        assert target.id not in {r.id for r in rest} and len(rest) == len(everyone) - 1
        family = await household_of(session, target.household_id)
        assert target.id not in {m.id for m in family}
        assert await get_resident(session, everyone[6].id) == everyone[6]


async def test_rows_from_before_the_vault_are_sealed_at_start(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry at the last plaintext revision with rows in it, upgraded, then started."""
    import asyncio
    from datetime import UTC, datetime

    from alembic import command

    from tenohira.agencies.municipality.bootstrap import _ensure_districts, _rows
    from tenohira.agencies.synthetic import WorldState, grow
    from tenohira.core import reset_settings
    from tenohira.core.db import alembic_config, dispose_databases, get_database, migrate

    monkeypatch.setenv("TENOHIRA_DEMO_RESIDENTS", "30")
    reset_settings()
    settings = get_settings()

    def plaintext_schema() -> None:
        cfg = alembic_config(database_url)
        command.upgrade(cfg, "municipality_0002")
        command.upgrade(cfg, "vault@head")

    await asyncio.to_thread(plaintext_schema)
    await _ensure_districts(settings)
    plans = grow(WorldState(seed=settings.seed, reference_date=date(2026, 11, 26)), 30)
    households, people = _rows(settings, plans, datetime.now(UTC))
    db = get_database()
    async with db.session() as session:  # what the registry wrote before it used the vault
        for table, rows in (("muni_households", households), ("muni_residents", people)):
            columns = list(rows[0])
            names, binds = ", ".join(columns), ", ".join(f":{c}" for c in columns)
            await session.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({binds})"), rows)
    await dispose_databases()

    await migrate(database_url)  # municipality_0003: the columns become bytes, still plaintext
    db = get_database()
    first = people[0]
    query = sa.text("SELECT name FROM muni_residents WHERE id = :i")
    async with db.session() as session:
        assert (
            bytes((await session.execute(query, {"i": first["id"]})).one()[0]) == str(first["name"]).encode()
        )
    await municipality_bootstrap(settings, no_progress)  # seals them, adds nobody
    async with db.session() as session:
        assert bytes((await session.execute(query, {"i": first["id"]})).one()[0])[:1] == b"\x01"
        after = await list_residents(session, limit=100)
        assert [(r.id, r.name, r.birth_date, r.individual_number, r.expecting_due_date) for r in after] == [
            (p["id"], p["name"], p["birth_date"], p["individual_number"], p["expecting_due_date"])
            for p in people
        ]
        line = next(h["address_line"] for h in households if h["id"] == after[0].household_id)
        assert after[0].address.endswith(str(line))
        assert await find_by_individual_number(session, str(people[3]["individual_number"])) == after[3]
        assert await repository_encrypt_again(session) == 0
    await dispose_databases()


async def repository_encrypt_again(session: Any) -> int:
    from tenohira.agencies.municipality import repository

    return await repository.encrypt_legacy_rows(session)
