"""The main ASGI application of the embedded platform."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, cast

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from tenohira import __version__
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import current_revisions, dispose_databases, get_database, head_revisions
from tenohira.core.health import register_readiness_check, run_readiness_checks
from tenohira.core.limits import KIB, MIB, BodyLimits, BodyRule
from tenohira.core.problems import install_problem_handlers
from tenohira.core.ratelimit import MemoryBuckets, Rate, RateLimits, RateRule
from tenohira.platform import BACKGROUND, ROUTERS, SUBAPPS, resolve, wire
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


W = frozenset({"POST", "PUT", "PATCH", "DELETE"})

BODY_LIMITS: tuple[BodyRule, ...] = (
    # first match wins; anything not listed takes ``Settings.body_default_max_bytes`` (64 KiB).
    # docs/security.md shows this table: keep the two in step.
    BodyRule(r"/api/auth/(challenge|logout)", 1 * KIB, W, "takes no body"),
    BodyRule(r"/api/auth/(login|lockout)", 32 * KIB, W, "a signature and a certificate (PEM ≤ 20,000 chars)"),
    # the assistant answers a too-long message politely itself up to here (assistant.api.MAX_BODY)
    BodyRule(r"/api/assistant/.*", 128 * KIB, W, "a message is at most 1,000 characters"),
    BodyRule(
        r"/api/applications(/.*)?", 256 * KIB, W, "application documents, a birth certificate, signatures"
    ),
    BodyRule(r"/api/3/action/.*", 64 * KIB, W, "CKAN action parameters"),
    BodyRule(r"/ngsi-ld/v1/entityOperations/.*", 4 * MIB, W, "batches of entities"),
    BodyRule(r"/ngsi-ld/v1/jsonldContexts", 1 * MIB, W, "a JSON-LD @context document"),
    BodyRule(r"/ngsi-ld/.*", 1 * MIB, W, "one entity, attribute or subscription"),
    BodyRule(r"/(hub|agencies)/.*", 4 * MIB, W, "signed exchanges between member systems"),
)
"""Per-route body limits of the embedded platform (:mod:`tenohira.core.limits`)."""


def rate_rules(settings: Settings) -> tuple[RateRule, ...]:
    """The edges facing the internet, limited per source address (:mod:`tenohira.core.ratelimit`).

    Login attempts are also limited per card, in the login endpoint (the card is in the body).
    docs/security.md lists these: keep the two in step.
    """

    def per_minute(n: int) -> Rate:
        return Rate(burst=n, per_minute=n)

    return (
        RateRule(
            "auth-challenge", r"/api/auth/challenge", per_minute(settings.rate_auth_challenges_per_minute)
        ),
        RateRule("auth-login", r"/api/auth/login", per_minute(settings.rate_auth_logins_per_minute)),
        RateRule("assistant", r"/api/assistant/.*", per_minute(settings.rate_assistant_messages_per_minute)),
        RateRule(
            "opendata-search",
            r"/opendata|/api/3/action/package_search",
            per_minute(settings.rate_opendata_searches_per_minute),
            frozenset({"GET", "POST"}),
        ),
    )


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """Build the whole embedded platform: palm routers plus the mounted hub and agencies."""
    settings = settings or get_settings()
    wire()
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
        # Everything built so far (modules, routes, the rules, the catalogue) lives as long as the
        # process: keep it out of the collector's full passes, which otherwise walk all of it and
        # held the event loop for ~230 ms each (bench/bench_push.py: gc_gen2_max_ms). Released at
        # shutdown, so that a process building several apps (tests) frees them again.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
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
        docs_url=None,  # served by tenohira.web.routes from an installed package (no CDN)
        redoc_url=None,
    )
    from tenohira.web.pages import error_page

    install_problem_handlers(app, html_page=error_page)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(health_router())
    for path in ROUTERS:
        app.include_router(cast(APIRouter, resolve(path)))
    mounted: list[tuple[str, ASGIApp]] = []
    for mount, factory in SUBAPPS:
        sub = cast(Callable[..., Any], resolve(factory))(settings)
        app.mount(mount, sub)
        mounted.append((mount, sub))
    # added last, so it runs first: a mounted app's request goes straight to it
    app.add_middleware(SubAppsFirst, mounted=mounted)
    # outermost: no body reaches any app (mounted ones included) unbounded
    app.add_middleware(
        BodyLimits,
        rules=BODY_LIMITS,
        default_max_bytes=settings.body_default_max_bytes,
        max_depth=settings.body_max_json_depth,
    )
    # before the bodies: a flood is refused without reading what it sends
    app.add_middleware(
        RateLimits, rules=rate_rules(settings), buckets=MemoryBuckets(), enabled=settings.rate_limits_enabled
    )
    return app


class SubAppsFirst:
    """Requests under a mounted app's prefix (``/hub/``, ``/agencies/…/``) go straight to it.

    The hub and the agencies are separately deployable apps, mounted here for the embedded
    default; their traffic is machine to machine (signed requests, signed answers). Without this
    every such request first walked the palm's middleware and its whole route table before
    reaching the mount — about a fifth of the CPU a birth costs (bench/bench_push.py's
    profile). The scope is exactly what Starlette's ``Mount`` gives the app, so the app cannot
    tell the difference; the mounts stay registered for everything else (OpenAPI, shutdown).
    Browser security headers do not apply to these answers, as when the hub is served apart.
    """

    def __init__(self, app: ASGIApp, mounted: list[tuple[str, ASGIApp]]) -> None:
        self.app = app
        self.mounted = [(prefix.rstrip("/") + "/", prefix.rstrip("/"), sub) for prefix, sub in mounted]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root_path = scope.get("root_path", "")
            path = scope["path"]
            route_path = path[len(root_path) :] if root_path and path.startswith(root_path) else path
            for slash_prefix, prefix, sub in self.mounted:
                if route_path.startswith(slash_prefix):
                    child = {
                        **scope,
                        "path_params": dict(scope.get("path_params", {})),
                        "app_root_path": scope.get("app_root_path", root_path),
                        "root_path": root_path + prefix,
                        "endpoint": sub,
                    }
                    await sub(child, receive, send)
                    return
        await self.app(scope, receive, send)
