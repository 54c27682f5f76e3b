"""The insurer as its own ASGI application (mounted at /agencies/insurer)."""

from __future__ import annotations

from fastapi import FastAPI

from tenohira.agencies.insurer import intake
from tenohira.agencies.insurer.api import MEMBER_ID, build_router
from tenohira.agencies.membership import member_app
from tenohira.core.config import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the insurer application: hub services only, every answer signed for the hub."""
    app, _ = member_app(
        settings,
        MEMBER_ID,
        title="tenohira health insurer (健康保険組合・国民健康保険)",
        description="Reference insurer: insured persons, dependants, childbirth lump sum (through the hub).",
        routers=[build_router, intake.build_router],
        schemas=intake.DESK.schemas,
    )
    return app
