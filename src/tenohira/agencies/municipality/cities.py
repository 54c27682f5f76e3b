"""The other cities of the demo world (core/cities.toml), each the municipality member system
again with its own settings: its own member id and key, database, residents and address list.

Embedded (``make run``) they are mounted under ``/agencies/cities/<code>`` and prepared on first
start; each can also be served on its own (``tenohira agency serve municipality --city CODE``).
Either way a city reaches any other only through hub HTTP. The primary city (手のひら市) is the
one mounted at ``/agencies/municipality``, with the platform's database.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from tenohira.core.cities import City, cities, city_settings
from tenohira.core.config import Settings, settings_scope
from tenohira.core.progress import ProgressFn

MOUNT = "/agencies/cities"


def others(settings: Settings) -> tuple[City, ...]:
    """The configured cities other than the primary one."""
    return tuple(c for c in cities(settings) if not c.primary)


def mount_path(c: City) -> str:
    """Where a non-primary city answers in the embedded platform."""
    return f"{MOUNT}/{c.code}"


class _InCity:
    """An ASGI app run with its city's settings as the current ones (settings_scope): mounted
    in the platform's process, it sees its own vault and registry as if served on its own."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with settings_scope(self.settings):
            await self.app(scope, receive, send)


def create_app(settings: Settings) -> FastAPI:
    """One app mounting each non-primary city's municipality app at ``/<code>``."""
    from tenohira.agencies.municipality.app import create_app as municipality_app

    app = FastAPI(title="tenohira: the other cities", docs_url=None, redoc_url=None, openapi_url=None)
    for c in others(settings):
        own = city_settings(settings, c)
        app.mount(f"/{c.code}", _InCity(municipality_app(own), own))
    return app


async def prepare_city(settings: Settings, progress: ProgressFn) -> None:
    """Migrate a city's own database, make its vault and seed its registry (idempotent).

    ``settings`` are the city's (:func:`tenohira.core.cities.city_settings`); the work runs with
    them as the current settings, so that embedded and served on its own the city's residents
    are sealed under the same vault: its own, in its own database and data directory.
    """
    from tenohira.agencies.municipality.bootstrap import bootstrap as municipality_bootstrap
    from tenohira.core.db import migrate
    from tenohira.vault import bootstrap_vault, open_vault

    settings.resolved_data_dir.mkdir(parents=True, exist_ok=True)
    with settings_scope(settings):
        await migrate(settings.resolved_database_url)
        await bootstrap_vault(settings, progress)
        await open_vault(settings)
        await municipality_bootstrap(settings, progress)


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """First start of the embedded platform: every non-primary city's database and residents."""
    for c in others(settings):
        await prepare_city(city_settings(settings, c), progress)
