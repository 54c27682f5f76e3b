"""The municipality as its own ASGI application (mounted at /agencies/municipality)."""

from __future__ import annotations

from fastapi import FastAPI

from tenohira.agencies.membership import LazyHubProvider, schema_router
from tenohira.agencies.municipality import intake, protection, review, statistics
from tenohira.agencies.municipality import relay as _relay  # noqa: F401  (registers the hub relay)
from tenohira.agencies.municipality.api import MEMBER_ID, build_router
from tenohira.core.config import Settings
from tenohira.core.problems import install_problem_handlers


def create_app(settings: Settings) -> FastAPI:
    """Build the municipality application: hub services only, every answer signed for the hub."""
    app = FastAPI(
        title="tenohira municipality (手のひら市 住民基本台帳)",
        description="Reference municipality: resident registry and notifications, reachable through the hub.",
    )
    install_problem_handlers(app)
    gate = LazyHubProvider(settings, MEMBER_ID)
    gate.install(app)
    app.include_router(build_router(settings, gate))
    app.include_router(intake.build_router(settings, gate))
    app.include_router(protection.build_router(settings, gate))
    app.include_router(review.build_router(settings, gate))
    app.include_router(statistics.build_router(settings, gate))
    app.include_router(schema_router(MEMBER_ID, intake.HANDLED))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "member": MEMBER_ID}

    return app
