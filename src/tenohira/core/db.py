"""Database access: one async engine per process, one session per unit of work.

SQLite (embedded default) and PostgreSQL (production, CI) share the same models and
migrations. Each module owns its tables (named with the module's prefix) and its own
Alembic branch, so modules migrate independently and ``upgrade heads`` brings all.
The kernel names none of those modules: the list of models lives with the other parts of the
composition in ``tenohira.platform`` (``MODELS``, ``load_all_models``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import MetaData, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from tenohira.core.config import Settings, get_settings

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every table of the platform."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine with the pragmas and pool settings the platform expects."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    ping_idle = "pool_pre_ping" not in kwargs
    if ping_idle:
        kwargs["pool_pre_ping"] = False
    engine = create_async_engine(url, **kwargs)
    if ping_idle:
        _ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 2.0
"""A pooled connection idle longer than this is pinged before it is handed out."""


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling, but only for connections that sat idle.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip and its CPU for each
    unit of work, about a tenth of the platform's CPU under load (bench/bench_push.py). A
    connection handed back moments ago is as good as the last statement it ran, so only one
    idle for ``IDLE_PING_SECONDS`` is pinged; a failed ping makes the pool replace it (and,
    the server having dropped its connections, the rest of the pool as they come up).
    """
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception:
            alive = False
        if not alive:
            raise sa_exc.DisconnectionError("idle connection failed its ping")

    event.listen(sync_engine, "checkin", on_checkin)
    event.listen(sync_engine, "checkout", on_checkout)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends normally, rolls back otherwise."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


# One engine per URL and event loop: async drivers bind connections to the loop that made
# them, and a test may run a server in another thread (another loop) beside its own.
_databases: dict[tuple[str, int, bool], Database] = {}


def _loop_key() -> int:
    try:
        return id(asyncio.get_running_loop())
    except RuntimeError:
        return 0


def get_database(settings: Settings | None = None, *, hot_path: bool = False) -> Database:
    """The database for these settings, shared by everything on the current event loop.

    ``hot_path``: a separate pool without pre-ping for group-committed writes on a hot path
    (the hub's nonces and exchange log): pre-ping costs a round trip per checkout, which at
    low load doubles a batch's round trips. A connection that died (server restarted) fails
    that one batch; SQLAlchemy then invalidates the pool and the next batch reconnects.
    """
    url = (settings or get_settings()).resolved_database_url
    hot_path = hot_path and not url.startswith("sqlite")  # SQLite: one writer, no ping anyway
    key = (url, _loop_key(), hot_path)
    db = _databases.get(key)
    if db is None:
        db = _databases[key] = Database(url, **({"pool_pre_ping": False} if hot_path else {}))
    return db


async def dispose_databases() -> None:
    """Close the engines of the current event loop (end of the process, of a server or of a test)."""
    loop = _loop_key()
    for key in [k for k in _databases if k[1] == loop]:
        await _databases.pop(key).dispose()


async def session_dependency() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: the request's session is its unit of work."""
    async with get_database().session() as session:
        yield session


def alembic_config(url: str) -> Any:
    """The Alembic configuration for ``url``, independent of the working directory."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    cfg.set_main_option("recursive_version_locations", "true")
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logging"] = False
    return cfg


# Alembic keeps the running migration's context in module globals (alembic.context, alembic.op):
# two upgrades at once in one process (the platform's and a mounted witness's, each in a thread)
# run one's scripts against the other's database ('table vault_secrets already exists'). Every
# upgrade in the process holds this lock.
ALEMBIC_LOCK = threading.Lock()


def _migrate_sync(url: str) -> None:
    from alembic import command

    with ALEMBIC_LOCK:
        command.upgrade(alembic_config(url), "heads")


async def migrate(url: str | None = None) -> None:
    """Bring the database at ``url`` (default: the configured one) to every head."""
    await asyncio.to_thread(_migrate_sync, url or get_settings().resolved_database_url)


async def in_migrated_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """For a CLI command: migrate the configured database, run ``work`` in one unit of work,
    close the engine (the command's event loop ends with it)."""
    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    db = get_database(settings)
    try:
        async with db.session() as session:
            return await work(session)
    finally:
        await db.dispose()


def head_revisions() -> set[str]:
    """The revisions a fully migrated database is at."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def current_revisions(db: Database) -> set[str]:
    """The revisions recorded in the database."""
    from sqlalchemy import text

    async with db.engine.connect() as conn:
        try:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        except Exception:
            return set()
        return {r[0] for r in rows}
