"""Commands of citydata: ``tenohira ngsi seed`` and ``tenohira ngsi facilities``."""

from __future__ import annotations

import asyncio
import json

import typer

app = typer.Typer(help="City data (NGSI-LD).", no_args_is_help=True)


@app.command()
def seed() -> None:
    """Create the demo city's facility and sensor entities (idempotent)."""
    from tenohira.citydata.bootstrap import bootstrap
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, migrate
    from tenohira.core.progress import rich_progress

    async def go() -> None:
        await migrate()
        with rich_progress() as progress:
            await bootstrap(get_settings(), progress)
        await dispose_databases()

    asyncio.run(go())


@app.command()
def facilities(
    category: str | None = typer.Option(None, help="public_facility, aed, evacuation_site, ..."),
    ngsi_ld: bool = typer.Option(False, "--ngsi-ld", help="print NGSI-LD entities instead of records"),
) -> None:
    """Print the demo city's facility records (JSON)."""
    from tenohira.citydata.bootstrap import seed_facilities, to_entity
    from tenohira.core.config import get_settings

    records = [r for r in seed_facilities(get_settings().seed) if category in (None, r["category"])]
    out = [to_entity(r) for r in records] if ngsi_ld else records
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
