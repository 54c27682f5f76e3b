"""Commands of citydata: ``tenohira ngsi seed`` and ``tenohira ngsi facilities``."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

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


contexts_app = typer.Typer(help="Remote @context documents fetched by URL and cached.", no_args_is_help=True)
app.add_typer(contexts_app, name="contexts")


@contexts_app.command("list")
def contexts_list(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Every cached remote @context: URL, when fetched, until when it is kept, its ETag."""
    from tenohira.citydata.remote import cached_rows
    from tenohira.core.db import in_migrated_session

    async def work(session: AsyncSession) -> list[dict[str, str | None]]:
        return [
            {
                "url": r.url,
                "fetched_at": r.fetched_at.isoformat(),
                "expires_at": r.expires_at.isoformat(),
                "etag": r.etag,
            }
            for r in await cached_rows(session)
        ]

    rows = asyncio.run(in_migrated_session(work))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no remote @context cached")
    for r in rows:
        typer.echo(
            f"{r['url']}\n  fetched {r['fetched_at']}, kept until {r['expires_at']}, etag {r['etag'] or '-'}"
        )


@contexts_app.command("refresh")
def contexts_refresh(
    urls: list[str] = typer.Argument(None, help="URLs to fetch again (default: every cached one)"),
) -> None:
    """Fetch cached remote @contexts again now (revalidating with ETag / Last-Modified)."""
    from tenohira.citydata.errors import NgsiError
    from tenohira.citydata.remote import cached_rows, fetcher_for
    from tenohira.core.config import get_settings
    from tenohira.core.db import in_migrated_session
    from tenohira.core.progress import rich_progress

    async def work(session: AsyncSession) -> int:
        failed = 0
        wanted = urls or [r.url for r in await cached_rows(session)]
        fetcher = fetcher_for(get_settings())
        with rich_progress() as progress:
            for i, url in enumerate(wanted):
                progress("refreshing @contexts", i, len(wanted))
                try:
                    await fetcher.get(session, url, refresh=True)
                except NgsiError as exc:
                    failed += 1
                    typer.echo(f"{url}: {exc.detail}", err=True)
            progress("refreshing @contexts", len(wanted), len(wanted))
        return failed

    raise typer.Exit(1 if asyncio.run(in_migrated_session(work)) else 0)
