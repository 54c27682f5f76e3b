"""Lean reads for the query path on PostgreSQL: an asyncpg pool of its own, no ORM in between.

A query through the platform engine costs six round trips on asyncpg: the pool's pre-ping
runs in its own transaction (BEGIN, ping, ROLLBACK, for pgbouncer's sake) and the read in
another. ``GET /entities`` is read-only and needs none of that: it runs its one statement
(prepared once per connection by asyncpg) on a small pool of its own, made lazily for each
platform engine (hence each event loop) and closed when that engine is disposed. Without
one (not PostgreSQL, or the pool cannot be made) the caller uses the engine as before.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import structlog
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)

POOL_SIZE = 10
_pools: weakref.WeakKeyDictionary[Engine, Any] = weakref.WeakKeyDictionary()
_locks: weakref.WeakKeyDictionary[Engine, asyncio.Lock] = weakref.WeakKeyDictionary()
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


async def pool_for(bind: AsyncEngine | AsyncConnection | None) -> Any | None:
    """The read pool of this engine (made on first use), or None when there is none."""
    if bind is None:
        return None
    engine = bind.sync_engine if isinstance(bind, AsyncEngine) else bind.engine.sync_engine
    if engine.dialect.name != "postgresql":
        return None
    if engine in _pools:
        return _pools[engine]
    lock = _locks.setdefault(engine, asyncio.Lock())
    async with lock:
        if engine in _pools:
            return _pools[engine]
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=0,
                max_size=POOL_SIZE,
                max_inactive_connection_lifetime=60,
                reset=_keep_session,
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TypeError) as exc:
            log.warning("citydata read pool unavailable; using the engine", error=str(exc))
            pool = None
        _pools[engine] = pool
        if pool is not None:

            def close(_engine: Any, pool: Any = pool) -> None:
                _pools.pop(engine, None)
                pool.terminate()

            event.listen(engine, "engine_disposed", close)
        return pool


async def _keep_session(_connection: Any) -> None:
    """Release without asyncpg's reset query (``RESET ALL``, ``UNLISTEN *``…, one more round
    trip per query): this pool only ever runs single SELECTs outside transactions."""


# A pooled connection the server has closed (restart, idle timeout) fails. When the server
# restarted, every idle connection of the pool is dead, and a dead one's protocol may report
# an internal state error instead: the pool's connections are all replaced, and the read (safe
# to repeat) runs once more on a fresh one.
_STALE = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.exceptions._base.InternalClientError,
    ConnectionError,
)


async def retrying(pool: Any, method: str, sql: str, *args: Any) -> Any:
    """``pool.<method>(sql, *args)`` (fetch, fetchval…), once more on fresh connections if the
    connection turned out to be dead."""
    fetch: Callable[..., Awaitable[Any]] = getattr(pool, method)
    try:
        return await fetch(sql, *args)
    except _STALE as exc:
        log.info("citydata read pool: replacing its connections and retrying", error=str(exc))
        await pool.expire_connections()
        return await fetch(sql, *args)


def numbered(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """``:name`` placeholders as asyncpg's ``$1``…, with the argument list in that order."""
    order: dict[str, int] = {}

    def number(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in order:
            order[name] = len(order) + 1
        return f"${order[name]}"

    text = _NAMED.sub(number, sql)
    return text, [params[name] for name in order]
