"""The insurer as its own ASGI application (mounted at /agencies/insurer)."""

from __future__ import annotations

from fastapi import FastAPI

from tenohira.agencies.insurer import intake
from tenohira.agencies.insurer.api import MEMBER_ID, build_router
from tenohira.agencies.membership import LazyHubProvider, schema_router
from tenohira.core.config import Settings
from tenohira.core.problems import install_problem_handlers


def create_app(settings: Settings) -> FastAPI:
    """Build the insurer application: hub services only, every answer signed for the hub."""
    app = FastAPI(
        title="tenohira health insurer (健康保険組合・国民健康保険)",
        description="Reference insurer: insured persons, dependants, childbirth lump sum (through the hub).",
    )
    install_problem_handlers(app)
    gate = LazyHubProvider(settings, MEMBER_ID)
    gate.install(app)
    app.include_router(build_router(settings, gate))
    app.include_router(intake.build_router(settings, gate))
    app.include_router(schema_router(MEMBER_ID, intake.HANDLED))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "member": MEMBER_ID}

    return app
