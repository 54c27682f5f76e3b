"""The main ASGI application of the embedded platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, cast

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from tenohira import __version__
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import current_revisions, dispose_databases, get_database, head_revisions
from tenohira.core.health import register_readiness_check, run_readiness_checks
from tenohira.core.problems import install_problem_handlers
from tenohira.platform import BACKGROUND, ROUTERS, SUBAPPS, resolve
from tenohira.web.security import SecurityHeadersMiddleware

log = structlog.get_logger("tenohira")


async def _database_check() -> tuple[bool, str]:
    from sqlalchemy import text

    db = get_database()
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True, "reachable"


async def _migrations_check() -> tuple[bool, str]:
    heads = head_revisions()
    current = await current_revisions(get_database())
    missing = heads - current
    if missing:
        return False, f"not at head; missing {sorted(missing)}"
    return True, f"at head ({len(heads)} branches)"


def health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @router.get("/readyz", summary="Readiness: database, migrations, keys")
    async def readyz() -> JSONResponse:
        ok, checks = await run_readiness_checks()
        return JSONResponse(
            {"status": "ok" if ok else "fail", "checks": checks}, status_code=200 if ok else 503
        )

    return router


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """Build the whole embedded platform: palm routers plus the mounted hub and agencies."""
    settings = settings or get_settings()
    register_readiness_check("database", _database_check)
    register_readiness_check("migrations", _migrations_check)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        if background:
            for path in BACKGROUND:
                run = cast(Callable[[Settings, asyncio.Event], Coroutine[Any, Any, None]], resolve(path))
                tasks.append(asyncio.create_task(run(settings, stop), name=path))
        try:
            yield
        finally:
            stop.set()
            for t in tasks:
                try:
                    await asyncio.wait_for(t, 5)
                except (TimeoutError, asyncio.CancelledError):
                    t.cancel()
                except Exception:
                    log.exception("background task failed on shutdown", task=t.get_name())
            # mounted apps get no lifespan of their own: let them close their pools here
            for route in app.routes:
                close = getattr(getattr(getattr(route, "app", None), "state", None), "on_shutdown", None)
                if close is not None:
                    await close()
            from tenohira.hub import close_pooled_clients

            await close_pooled_clients()
            await dispose_databases()

    app = FastAPI(
        title="tenohira",
        version=__version__,
        summary="手のひら — a high-touch digital government platform",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(health_router())
    for path in ROUTERS:
        app.include_router(cast(APIRouter, resolve(path)))
    for mount, factory in SUBAPPS:
        sub = cast(Callable[..., Any], resolve(factory))(settings)
        app.mount(mount, sub)
    return app
