"""Commands of palm: ``tenohira applications`` (operators' views of the filed applications)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Applications filed from the palm (operators' views).", no_args_is_help=True)


@app.command("states")
def states() -> None:
    """The application state machine (state → allowed next states)."""
    from tenohira.palm.applications import TRANSITIONS

    for state, targets in TRANSITIONS.items():
        typer.echo(f"{state:<12} → {', '.join(sorted(targets)) or '(final)'}")


@app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False) -> None:
    """How many applications are in each state, per procedure (no personal data)."""
    import asyncio

    import sqlalchemy as sa

    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database
    from tenohira.palm.models import Application

    async def count() -> list[tuple[str, str, int]]:
        try:
            async with get_database(get_settings()).session() as session:
                rows = await session.execute(
                    sa.select(Application.procedure_id, Application.state, sa.func.count())
                    .group_by(Application.procedure_id, Application.state)
                    .order_by(Application.procedure_id, Application.state)
                )
                return [(str(p), str(s), int(n)) for p, s, n in rows]
        finally:
            await dispose_databases()

    rows = asyncio.run(count())
    if as_json:
        typer.echo(json.dumps([{"procedure": p, "state": s, "count": n} for p, s, n in rows]))
        return
    for procedure, state, n in rows:
        typer.echo(f"{procedure:<32} {state:<12} {n:>6}")
