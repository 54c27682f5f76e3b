"""The municipality as its own ASGI application (mounted at /agencies/municipality; the other
cities of core/cities.toml at /agencies/cities/<code>, or each served on its own)."""

from __future__ import annotations

from fastapi import FastAPI

from tenohira.agencies.membership import member_app
from tenohira.agencies.municipality import intake, move_exchange, protection, review, statistics
from tenohira.agencies.municipality import relay as _relay  # noqa: F401  (registers the hub relay)
from tenohira.agencies.municipality.api import build_router
from tenohira.core.config import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the municipality application: hub services only, every answer signed for the hub."""
    app, _ = member_app(
        settings,
        settings.municipality_member,  # one member per city (core/cities.toml)
        title=f"tenohira municipality ({settings.municipality_name_ja} 住民基本台帳)",
        description="Reference municipality: resident registry and notifications, reachable through the hub.",
        routers=[
            build_router,
            intake.build_router,
            move_exchange.build_router,
            protection.build_router,
            review.build_router,
            statistics.build_router,
        ],
        schemas=intake.DESK.schemas,
    )
    return app
