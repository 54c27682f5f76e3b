"""Commands of supporters: ``tenohira supporters ...`` — roles for operators (the staff console's
form does the same for supporters)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

app = typer.Typer(help="Digital supporters, staff and administrators (roles).", no_args_is_help=True)


@app.command("roles")
def roles(
    kind: Annotated[str | None, typer.Option("--role", help="staff | supporter | administrator")] = None,
) -> None:
    """List the active roles (JSON)."""
    from tenohira.core import in_migrated_session
    from tenohira.supporters.delegations import list_roles

    async def work(session: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": r.id,
                "role": r.role,
                "name": r.display_name,
                "organisation": r.organisation,
                "bound": r.palm_code is not None,
            }
            for r in await list_roles(session, kind)
        ]

    typer.echo(json.dumps(asyncio.run(in_migrated_session(work)), ensure_ascii=False, indent=2))


@app.command("add")
def add(
    card: Annotated[str, typer.Option(help="the person's card (authentication certificate serial)")],
    role: Annotated[str, typer.Option(help="staff | supporter | administrator")],
    name: Annotated[str, typer.Option(help="the name residents see")],
    organisation: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Register a role for the holder of a card (bound to their palm code at first login)."""
    from tenohira.core import in_migrated_session
    from tenohira.core.problems import Problem
    from tenohira.supporters.delegations import register_role

    async def work(session: Any) -> str:
        row = await register_role(
            session,
            role=role,
            display_name=name,
            card_serial=card,
            organisation=organisation,
            registered_by="cli",
        )
        return row.id

    try:
        typer.echo(asyncio.run(in_migrated_session(work)))
    except Problem as exc:
        for e in exc.errors:
            typer.echo(f"{e.field}: {e.message_ja} / {e.message}", err=True)
        raise typer.Exit(2) from exc


@app.command("end")
def end(role_id: str) -> None:
    """End a role (its delegations stop working with it)."""
    from tenohira.core import in_migrated_session
    from tenohira.core.problems import Problem
    from tenohira.supporters.delegations import end_role

    async def work(session: Any) -> None:
        await end_role(session, role_id, actor="cli")

    try:
        asyncio.run(in_migrated_session(work))
    except Problem as exc:
        typer.echo("not found / 見つかりません", err=True)
        raise typer.Exit(1) from exc
    typer.echo("ended")
