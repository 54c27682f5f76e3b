"""Idle pooled connections are pinged before use; a connection the server dropped is replaced."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from tenohira.core import db as dbmod


@pytest.fixture
def pg_url(database_url: str) -> str:
    """The shared fresh database, PostgreSQL only (SQLite has no pool to ping)."""
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only: the idle ping applies to PostgreSQL pools")
    return database_url


async def _pid(database: dbmod.Database) -> int:
    async with database.session() as session:
        return int((await session.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_dropped_while_idle_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbmod, "IDLE_PING_SECONDS", 0.2)
    database = dbmod.Database(pg_url, pool_size=1, max_overflow=0)
    other = dbmod.Database(pg_url, pool_pre_ping=True)
    try:
        first = await _pid(database)
        assert await _pid(database) == first  # reused at once: no ping, same connection
        async with other.session() as admin:  # the server drops the idle connection
            await admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": first})
        await asyncio.sleep(0.4)
        second = await _pid(database)  # pinged (idle), found dead, replaced: no error
        assert second != first
    finally:
        await database.dispose()
        await other.dispose()


async def test_busy_connections_are_not_pinged(pg_url: str) -> None:
    database = dbmod.Database(pg_url, pool_size=1, max_overflow=0)
    pings = 0
    real = database.engine.sync_engine.dialect.do_ping

    def counting(conn: object) -> bool:
        nonlocal pings
        pings += 1
        return bool(real(conn))

    database.engine.sync_engine.dialect.do_ping = counting  # type: ignore[method-assign]
    try:
        for _ in range(20):
            await _pid(database)
        assert pings == 0
    finally:
        await database.dispose()
