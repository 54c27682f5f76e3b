"""Commands of opendata: ``tenohira opendata publish|list``."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Annotated

import typer

app = typer.Typer(help="Open data: publish statistics and the standard datasets.", no_args_is_help=True)


@app.command()
def publish(
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="only these datasets")] = None,
    reference_date: Annotated[str | None, typer.Option("--date", help="reference date YYYY-MM-DD")] = None,
    threshold: Annotated[int, typer.Option(help="suppress cells under this count")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the outcome as JSON")] = False,
) -> None:
    """Build every dataset, apply disclosure control, store a new dated release where data changed."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import get_database
    from tenohira.core.progress import rich_progress
    from tenohira.opendata.service import publish as do_publish
    from tenohira.opendata.sources_live import default_sources

    settings = get_settings()
    ref = date.fromisoformat(reference_date) if reference_date else None

    async def go() -> list[dict[str, object]]:
        statistics, facilities = default_sources(settings)
        async with get_database(settings).session() as session:
            with rich_progress() as progress:
                outcomes = await do_publish(
                    session,
                    settings,
                    statistics,
                    facilities,
                    reference_date=ref,
                    threshold=threshold,
                    only=dataset or None,
                    progress=progress,
                )
        await get_database(settings).dispose()
        return [o.__dict__ for o in outcomes]

    outcomes = asyncio.run(go())
    if as_json:
        typer.echo(json.dumps(outcomes, ensure_ascii=False, indent=2))
        return
    for o in outcomes:
        typer.echo(
            f"{o['dataset']:<34} {o['status']:<12} {o['version'] or '':<12} rows={o['rows']} "
            f"suppressed={o['suppressed']}"
        )


@app.command("list")
def list_datasets() -> None:
    """List the datasets and their latest release."""
    from sqlalchemy import select

    from tenohira.core.db import get_database
    from tenohira.opendata.models import Dataset
    from tenohira.opendata.service import latest_release

    async def go() -> list[tuple[str, str, str]]:
        db = get_database()
        async with db.session() as session:
            out = []
            for ds in (await session.scalars(select(Dataset).order_by(Dataset.name))).all():
                rel = await latest_release(session, ds.id)
                out.append((ds.name, ds.title, rel.version if rel else "-"))
        await db.dispose()
        return out

    for name, title, version in asyncio.run(go()):
        typer.echo(f"{name:<34} {version:<12} {title}")
