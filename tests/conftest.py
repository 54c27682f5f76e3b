"""Shared fixtures: settings in a temporary data dir, databases on SQLite and PostgreSQL, a live server.

Database tests use the ``database_url`` fixture, parametrised over the embedded SQLite
and, when ``TENOHIRA_TEST_DATABASE_URL`` is set (CI), PostgreSQL. Without that
variable the PostgreSQL case is skipped with a visible reason, never passed silently.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "TENOHIRA_TEST_DATABASE_URL"
NATS_ENV = "TENOHIRA_TEST_NATS_URL"
MQTT_ENV = "TENOHIRA_TEST_MQTT_URL"


def pytest_configure(config: pytest.Config) -> None:
    """structlog's defaults, but exceptions as plain text (tenohira.core.logging.console_renderer).

    The tests do not call configure_logging (structlog's capture helpers need its uncached
    defaults); its default renderer draws tracebacks with rich, seconds per exception on the
    event loop of a live server, which timed out other requests under a loaded CI machine.
    """
    import structlog

    from tenohira.core.logging import console_renderer

    processors = list(structlog.get_config()["processors"])
    processors[-1] = console_renderer()
    structlog.configure(processors=processors)


def _pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV)


def create_pg_database(admin_url: str) -> str:
    """Create a fresh, uniquely named PostgreSQL database next to ``admin_url``'s; return its URL."""
    import asyncpg  # type: ignore[import-untyped]

    name = "tenohira_t_" + uuid.uuid4().hex[:12]
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")

    async def go() -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(go())
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def drop_pg_database(admin_url: str, url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2]
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")

    async def go() -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(go())


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own data dir and fresh settings; nothing leaks between tests."""
    from tenohira.core import reset_settings

    monkeypatch.setenv("TENOHIRA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TENOHIRA_ENVIRONMENT", "test")
    monkeypatch.delenv("TENOHIRA_DATABASE_URL", raising=False)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty database: an SQLite file, or a fresh PostgreSQL database (skipped without one)."""
    from tenohira.core import reset_settings

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        monkeypatch.setenv("TENOHIRA_DATABASE_URL", url)
        reset_settings()
        yield url
        return
    admin = _pg_admin_url()
    if not admin:
        pytest.skip(f"PostgreSQL case skipped: set {PG_ENV} (CI sets it) to run it")
    url = create_pg_database(admin)
    monkeypatch.setenv("TENOHIRA_DATABASE_URL", url)
    reset_settings()
    try:
        yield url
    finally:
        drop_pg_database(admin, url)


@pytest.fixture
async def migrated_db(database_url: str) -> AsyncIterator[Any]:
    """The configured database, migrated to every head."""
    from tenohira.core import get_database, migrate
    from tenohira.core.db import dispose_databases

    await migrate(database_url)
    yield get_database()
    await dispose_databases()


@pytest.fixture
def nats_url() -> str:
    url = os.environ.get(NATS_ENV)
    if not url:
        pytest.skip(f"NATS case skipped: set {NATS_ENV} (CI sets it) to run it")
    return url


@pytest.fixture
def mqtt_url() -> str:
    url = os.environ.get(MQTT_ENV)
    if not url:
        pytest.skip(f"MQTT case skipped: set {MQTT_ENV} (CI sets it) to run it")
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The whole platform served by uvicorn on a free port in a background thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        from tenohira.app import create_app

        config = uvicorn.Config(create_app(), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)


@pytest.fixture
def live_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LiveServer]:
    """A running, bootstrapped platform (embedded SQLite, small demo population) at ``.url``."""
    from tenohira.cli import bootstrap_all
    from tenohira.core import get_settings, reset_settings
    from tenohira.core.progress import no_progress

    port = free_port()
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    monkeypatch.setenv("TENOHIRA_DEMO_RESIDENTS", os.environ.get("TENOHIRA_TEST_DEMO_RESIDENTS", "200"))
    reset_settings()
    asyncio.run(bootstrap_all(get_settings(), no_progress))
    server = LiveServer(port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
