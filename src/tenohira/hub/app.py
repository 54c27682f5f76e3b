"""The hub as its own ASGI application (mounted at /hub in the embedded platform, or standalone)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response

from tenohira.core.config import Settings, get_settings
from tenohira.core.limits import MIB, BodyLimits
from tenohira.core.problems import Problem, install_problem_handlers, problem_response
from tenohira.hub.api import admin, router, state_of
from tenohira.hub.gate import request_message, sign_response
from tenohira.hub.signatures import lower_headers


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """Build the hub application.

    Standalone (``uvicorn --factory tenohira.hub.app:create_app``) its lifespan runs the purge
    jobs; mounted in the embedded platform, the platform's background tasks do.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from tenohira.hub.tasks import run

        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, stop)) if background else None
        gc.freeze()  # as the platform does (tenohira.app): startup objects out of full GC passes
        try:
            yield
        finally:
            gc.unfreeze()
            stop.set()
            if task is not None:
                await asyncio.wait_for(task, 5)
            for state in list(app.state.hub_states.values()):
                await state.aclose()

    app = FastAPI(
        title="tenohira hub",
        summary="情報連携ハブ — signed, authorised, logged exchanges between agency systems",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.hub_states = {}

    async def close_states() -> None:
        """Close the forwarding pools of this event loop's hub state (a mounting app calls this
        at shutdown: a mounted app's own lifespan does not run)."""
        state = app.state.hub_states.pop(id(asyncio.get_running_loop()), None)
        if state is not None:
            await state.aclose()

    app.state.on_shutdown = close_states
    install_problem_handlers(app)

    async def signed_problem(request: Request, exc: Exception) -> Response:
        # every answer of the hub is signed, refusals too, so a member can trust a refusal
        assert isinstance(exc, Problem)
        if request.url.path.rstrip("/").endswith(("/health",)) or "/admin/" in request.url.path:
            return problem_response(exc, request.url.path)
        try:
            state = state_of(request)
            headers = lower_headers(request.headers.items())
            body = problem_response(exc, request.url.path).body
            response = sign_response(
                state,
                status=exc.status,
                body=bytes(body),
                media_type="application/problem+json",
                request=request_message(request, headers),
            )
            for name, value in exc.headers.items():
                response.headers[name] = value
            return response
        except Exception:  # the state itself may be what failed (no keys yet)
            return problem_response(exc, request.url.path)

    app.add_exception_handler(Problem, signed_problem)
    app.include_router(router)
    app.include_router(admin)
    # served apart, the hub bounds bodies itself (mounted, the platform's own check came first)
    app.add_middleware(BodyLimits, default_max_bytes=4 * MIB, max_depth=settings.body_max_json_depth)
    return app


__all__ = ["create_app"]
