"""The ``tenohira`` command: run the platform, migrate, seed, and each module's commands."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Annotated, cast

import typer

from tenohira.core.config import Settings, get_settings, reset_settings
from tenohira.core.logging import configure_logging
from tenohira.core.progress import ProgressFn, rich_progress
from tenohira.platform import BOOTSTRAP, resolve

app = typer.Typer(
    name="tenohira",
    help="手のひら — a high-touch digital government platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# Module command groups: (name, "module:attribute" of a typer.Typer).
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("ca", "tenohira.identity.cli:ca_app"),
    ("card", "tenohira.agencies.municipality.cards:card_app"),
    ("audit", "tenohira.audit.cli:app"),
    ("events", "tenohira.events.cli:app"),
    ("notify", "tenohira.notify.cli:app"),
    ("vault", "tenohira.vault.cli:app"),
    ("hub", "tenohira.hub.cli:app"),
    ("residents", "tenohira.agencies.municipality.cli:app"),
    ("procedures", "tenohira.procedures.cli:app"),
    ("rules", "tenohira.rules.cli:app"),
    ("scenario", "tenohira.palm.cli:scenario_app"),
    ("applications", "tenohira.palm.cli:app"),
    ("assistant", "tenohira.assistant.cli:app"),
    ("opendata", "tenohira.opendata.cli:app"),
    ("ngsi", "tenohira.citydata.cli:app"),
    ("supporters", "tenohira.supporters.cli:app"),
    ("protection", "tenohira.agencies.municipality.protection_cli:app"),
)

for _name, _path in SUBCOMMANDS:
    app.add_typer(cast(typer.Typer, resolve(_path)), name=_name)


async def bootstrap_all(settings: Settings, progress: ProgressFn) -> None:
    """Migrate, then run every module's idempotent first-start step in order."""
    from tenohira.core.db import migrate

    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    for path in BOOTSTRAP:
        step = cast(Callable[[Settings, ProgressFn], Awaitable[None]], resolve(path))
        await step(settings, progress)


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema (all module branches)."""
    from tenohira.core.db import migrate as do_migrate

    settings = get_settings()
    settings.ensure_data_dir()
    asyncio.run(do_migrate(settings.resolved_database_url))
    typer.echo("database at head")


@app.command()
def init() -> None:
    """Migrate and seed everything that is missing (what ``run`` does before serving)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    with rich_progress() as progress:
        asyncio.run(bootstrap_all(settings, progress))
    typer.echo("platform initialised")


@app.command()
def seed(
    residents: Annotated[int, typer.Option(help="number of synthetic residents.")] = 1000,
    seed_value: Annotated[int | None, typer.Option("--seed", help="random seed (default.")] = None,
) -> None:
    """Seed (or grow) the demo municipality with N synthetic residents, deterministically."""
    from tenohira.agencies.municipality.bootstrap import seed_population

    if seed_value is not None:
        os.environ["TENOHIRA_SEED"] = str(seed_value)
        reset_settings()
    settings = get_settings()
    with rich_progress() as progress:
        asyncio.run(bootstrap_all(settings, progress))
        added = asyncio.run(seed_population(settings, residents, progress))
        if added:
            # the hospital and the insurer take in the grown demo world (idempotent steps)
            asyncio.run(bootstrap_all(settings, progress))
    typer.echo(f"demo municipality has {residents} residents ({added} added)")


@app.command()
def run(
    port: Annotated[int | None, typer.Option(help="port to serve on.")] = None,
    host: Annotated[str | None, typer.Option(help="address to bind.")] = None,
    reload: Annotated[bool, typer.Option(help="reload on code changes (development).")] = False,
) -> None:
    """Start the whole platform: migrate, seed on first start, serve, print the URLs."""
    import uvicorn

    if port is not None:
        os.environ["TENOHIRA_PORT"] = str(port)
    if host is not None:
        os.environ["TENOHIRA_HOST"] = host
    reset_settings()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    with rich_progress() as progress:
        asyncio.run(bootstrap_all(settings, progress))
    base = settings.resolved_base_url
    typer.echo(
        "\n".join(
            [
                "",
                "tenohira is running (embedded: data in " + str(settings.resolved_data_dir) + ")",
                f"  citizen app      {base}/",
                "                   demo card R0000002 (the birth story's mother): PIN 1234 / TENOHIRA26",
                f"  staff console    {base}/staff",
                f"  supporters       {base}/supporter",
                f"  API docs         {base}/docs   (OpenAPI: {base}/openapi.json)",
                f"  hub              {base}/hub/health",
                f"  open data        {base}/opendata   (CKAN API: {base}/api/3/action/package_list)",
                f"  city data        {base}/ngsi-ld/v1/entities",
                f"  health           {base}/healthz  {base}/readyz",
                "",
            ]
        )
    )
    uvicorn.run(
        "tenohira.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        log_level=settings.log_level.lower(),
    )


def main() -> None:
    """Entry point of the ``tenohira`` console script."""
    app()
