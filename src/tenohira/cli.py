"""The ``tenohira`` command: run the platform, migrate, seed, and each module's commands."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, cast

import typer
from typer import _click as click  # the click that typer vendors: its Context and Command types
from typer.core import TyperGroup

from tenohira.platform import BOOTSTRAP, resolve, wire

if TYPE_CHECKING:
    from tenohira.core.config import Settings
    from tenohira.core.progress import ProgressFn

# Start-up cost: this module is imported by every ``tenohira …`` call, so what only a command
# needs (asyncio, settings, logging, progress bars) is imported inside that command.

# Module command groups: name -> ("module:attribute" of a typer.Typer, its one-line help).
# A group's module is imported only when that group runs (or is asked for its help): the
# top-level ``tenohira --help`` lists the groups from this table and loads none of them.
# tests/test_cli_start.py checks that each help here is the group's own.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "ca": ("tenohira.identity.cli:ca_app", "The certificate authority of the cards."),
    "oidc": ("tenohira.oidc.cli:app", "The OpenID Provider: relying parties and signing keys."),
    "card": ("tenohira.agencies.municipality.cards:card_app", "Issue, revoke and unlock residents' cards."),
    "audit": ("tenohira.audit.cli:app", "The transparency log."),
    "witness": (
        "tenohira.audit.witness.cli:app",
        "An independent witness of transparency logs (C2SP tlog-witness).",
    ),
    "events": ("tenohira.events.cli:app", "Domain events: the outbox and its delivery."),
    "notify": ("tenohira.notify.cli:app", "Notifications: email delivery and the local mailbox."),
    "vault": ("tenohira.vault.cli:app", "Fail-secure storage: keys split across sites."),
    "hub": ("tenohira.hub.cli:app", "The information-linkage hub (情報連携ハブ)."),
    "residents": ("tenohira.agencies.municipality.cli:app", "The demo municipality's resident registry."),
    "agency": ("tenohira.cli:agency_app", "Serve an agency member system on its own (a city of its own)."),
    "procedures": (
        "tenohira.procedures.cli:app",
        "The procedure catalogue (data files) and deadline computation.",
    ),
    "rules": ("tenohira.rules.cli:app", "Rules as code: decide benefits with reasons, screen a population."),
    "scenario": ("tenohira.scenarios.cli:scenario_app", "Run a life event end to end through the HTTP APIs."),
    "applications": ("tenohira.palm.cli:app", "Applications filed from the palm (operators' views)."),
    "assistant": ("tenohira.assistant.cli:app", "The assistant."),
    "opendata": ("tenohira.opendata.cli:app", "Open data: publish statistics and the standard datasets."),
    "ngsi": ("tenohira.citydata.cli:app", "City data (NGSI-LD)."),
    "supporters": ("tenohira.supporters.cli:app", "Digital supporters, staff and administrators (roles)."),
    "protection": (
        "tenohira.agencies.municipality.protection_cli:app",
        "Address-protection measures (住民票の閲覧制限等 / DV等支援措置).",
    ),
}


class LazyGroups(TyperGroup):
    """The root command: the module groups of ``SUBCOMMANDS`` are loaded when they are resolved."""

    def _load(self, name: str) -> None:
        if name in self.commands or name not in SUBCOMMANDS:
            return
        path = SUBCOMMANDS[name][0]
        module = path.partition(":")[0]
        group = typer.main.get_group(cast(typer.Typer, resolve(path)))
        group.name = name
        run = group.invoke

        def invoke(ctx: click.Context) -> object:
            # the group's registrations and hooks (tenohira.platform.wire) when one of its
            # commands runs: ``--help`` exits before this and loads none of them
            wire(module)
            return run(ctx)

        setattr(group, "invoke", invoke)  # noqa: B010 (an instance's method, replaced on purpose)
        self.add_command(group, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.commands, *(n for n in SUBCOMMANDS if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in SUBCOMMANDS:
            # listed in the help (or offered for completion) by name and help alone
            return TyperGroup(name=cmd_name, help=SUBCOMMANDS[cmd_name][1])
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args:
            self._load(args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="tenohira",
    help="手のひら — a high-touch digital government platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    cls=LazyGroups,
)


async def bootstrap_all(settings: Settings, progress: ProgressFn) -> None:
    """Migrate, then run every module's idempotent first-start step in order."""
    from tenohira.core.db import migrate

    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    wire()
    for path in BOOTSTRAP:
        step = cast("Callable[[Settings, ProgressFn], Awaitable[None]]", resolve(path))
        await step(settings, progress)


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema (all module branches)."""
    import asyncio

    from tenohira.core.config import get_settings
    from tenohira.core.db import migrate as do_migrate

    settings = get_settings()
    settings.ensure_data_dir()
    asyncio.run(do_migrate(settings.resolved_database_url))
    typer.echo("database at head")


@app.command()
def init() -> None:
    """Migrate and seed everything that is missing (what ``run`` does before serving)."""
    import asyncio

    from tenohira.core.config import get_settings
    from tenohira.core.logging import configure_logging
    from tenohira.core.progress import rich_progress

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
    import asyncio

    from tenohira.agencies.municipality.bootstrap import seed_population
    from tenohira.core.config import get_settings, reset_settings
    from tenohira.core.progress import rich_progress

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
    import asyncio

    import uvicorn

    from tenohira.core.config import get_settings, reset_settings
    from tenohira.core.logging import configure_logging
    from tenohira.core.progress import rich_progress

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
                f"  witness          {base}/witness/key   (the audit log's witness; own key and database)",
                f"  open data        {base}/opendata   (CKAN API: {base}/api/3/action/package_list)",
                f"  city data        {base}/ngsi-ld/v1/types   (NGSI-LD entity types)",
                f"  OpenID Provider  {base}/.well-known/openid-configuration",
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


agency_app = typer.Typer(
    help="Serve an agency member system on its own (a city of its own).", no_args_is_help=True
)

# the settings a city's own process runs with, as the environment it starts from (core.cities)
_CITY_ENV = (
    "data_dir",
    "database_url",
    "municipality_code",
    "municipality_name_ja",
    "municipality_name_en",
    "municipality_member",
    "seed",
    "base_url",
    "hub_url",
    "witnesses",
)


def city_app() -> object:
    """The ASGI app of the city this process serves (uvicorn's factory)."""
    from tenohira.agencies.municipality.app import create_app
    from tenohira.core.config import get_settings

    return create_app(get_settings())


@agency_app.command("serve")
def agency_serve(
    agency: Annotated[str, typer.Argument(help="the member system: municipality.")],
    city_code: Annotated[
        str | None, typer.Option("--city", help="local government code of the city (core/cities.toml).")
    ] = None,
    host: Annotated[str, typer.Option(help="address to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="port (default: the platform's + 100 + the city's offset).")
    ] = None,
) -> None:
    """Serve one city's municipality on its own port and database (prepared on first start).

    The city keeps its keys and database under ``data_dir/cities/<code>/`` (or
    ``TENOHIRA_CITY_DATABASE_URLS``), reaches the hub at ``TENOHIRA_HUB_URL`` and is reached by
    the hub at ``TENOHIRA_CITY_URLS`` (set it for the hub's process: ``CODE=http://host:port``).
    The hub's first start (``tenohira init``) must have registered the city's member.
    """
    import asyncio

    import uvicorn

    from tenohira.core.cities import CityNotFound, cities, city, city_settings
    from tenohira.core.config import get_settings, reset_settings
    from tenohira.core.progress import rich_progress

    if agency != "municipality":
        raise typer.BadParameter("only the municipality is served per city", param_hint="agency")
    settings = get_settings()
    try:
        chosen = city(settings, city_code) if city_code else cities(settings)[0]
    except CityNotFound:
        known = ", ".join(c.code for c in cities(settings))
        raise typer.BadParameter(f"no city {city_code} (configured: {known})", param_hint="--city") from None
    own = city_settings(settings, chosen)
    if not chosen.primary:
        # this process is the city: its settings are the process's (the vault, the registry)
        for name in _CITY_ENV:
            value = getattr(own, name)
            os.environ[f"TENOHIRA_{name.upper()}"] = "" if value is None else str(value)
        reset_settings()
        own = get_settings()
        from tenohira.agencies.municipality.cities import prepare_city

        with rich_progress() as progress:
            asyncio.run(prepare_city(own, progress))
    bound = port or settings.port + 100 + chosen.port_offset
    typer.echo(f"{chosen.name_ja} ({chosen.code}, member {chosen.member}) serving on http://{host}:{bound}/")
    uvicorn.run(
        "tenohira.cli:city_app",
        factory=True,
        host=host,
        port=bound,
        access_log=False,
        log_level=own.log_level.lower(),
    )
