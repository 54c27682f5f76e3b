"""The proof of issue 9 on a whole platform: after a full first start and the birth story, no
seeded resident's (nor the newborn's) name or individual number is found in clear in any raw
database file, in the data directory or in any vault site — nor, on PostgreSQL, in any table."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenohira.agencies.municipality import list_residents
from tenohira.core import get_database, get_settings, reset_settings
from tenohira.core.db import dispose_databases
from tenohira.core.progress import no_progress
from tenohira.vault import close_vaults
from tenohira.vault.sites import configured_sites
from tests.conftest import LiveServer, free_port
from tests.vault.test_registry_encryption import _files, _pg_dump_bytes


async def _columns_holding(url: str, needle: bytes) -> list[str]:
    """Which table.column values hold ``needle`` (to name a leak found in the raw files)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    found: list[str] = []
    async with engine.connect() as conn:
        inspector_tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        for table in inspector_tables:
            rows = await conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            for row in rows.mappings():
                for column, value in row.items():
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    if needle in raw and f"{table}.{column}" not in found:
                        found.append(f"{table}.{column}")
    await engine.dispose()
    return found


def _start_and_tell_the_story(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from tenohira.cli import bootstrap_all
    from tenohira.palm.scenario import run_story

    port = free_port()
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    monkeypatch.setenv("TENOHIRA_DEMO_RESIDENTS", "60")
    reset_settings()
    settings = get_settings()
    asyncio.run(bootstrap_all(settings, no_progress))
    server = LiveServer(port)
    server.start()
    try:
        summary = run_story(server.url, data_dir=settings.data_dir, notice_wait=10.0)
    finally:
        server.stop()
    return summary


@pytest.mark.timeout(600)
async def test_no_name_or_individual_number_in_clear_after_first_start_and_birth(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = await asyncio.to_thread(_start_and_tell_the_story, monkeypatch)
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert summary["birth_notification"] is not None, failed
    assert summary["birth_notification"]["status"] == "accepted", failed

    settings = get_settings()
    async with get_database().session() as session:
        residents = await list_residents(session, limit=10_000)
    born = [r for r in residents if r.moved_in == r.birth_date and r.relation == "child"]
    newborn = max(born, key=lambda r: (r.birth_date, r.id))
    assert newborn.name.endswith("陽葵"), newborn  # the scenario's child
    assert len(residents) >= 61
    await dispose_databases()
    close_vaults()  # nothing cached or open: look at the bytes at rest

    sites = [s.path for s in configured_sites(settings)]
    files = _files(settings.data_dir, *sites)
    if database_url.startswith("sqlite"):
        db_file = Path(database_url.split(":///", 1)[1])
        files += _files(db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-journal"))
        blob = b"".join(p.read_bytes() for p in files)
    else:
        blob = b"".join(p.read_bytes() for p in files) + await _pg_dump_bytes(database_url)
    assert any(p.name == "keys.sqlite" for p in files)
    # the search can see plaintext: the 町字 names (not personal) are stored in clear
    assert residents[0].district.encode() in blob

    leaks: list[str] = []
    for r in residents:
        needles = {
            "name": r.name,
            "name without space": r.name.replace("\u3000", ""),
            "individual number": r.individual_number,
        }
        if r.id == newborn.id:
            needles["given name"] = r.name.split("\u3000")[-1]
            needles["reading"] = r.name_kana
        for what, text in needles.items():
            forms = {
                "utf-8": text.encode(),
                "utf-16": text.encode("utf-16-le"),
                # JSON as SQLite stores it (ensure_ascii): 陽葵 -> \u967d\u8475
                "json-escaped": json.dumps(text)[1:-1].encode(),
            }
            for form, needle in forms.items():
                if needle in blob:
                    where = [p.name for p in files if needle in p.read_bytes()]
                    where += await _columns_holding(database_url, needle)
                    leaks.append(f"{r.id} {what} ({form}) in {where}")
    assert not leaks, "\n".join(leaks)
    assert os.environ.get("TENOHIRA_DEMO_RESIDENTS") == "60"
