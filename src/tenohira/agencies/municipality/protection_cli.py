"""``tenohira protection ...``: the counter's commands for address-protection measures (支援措置)."""

import asyncio
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Address-protection measures (住民票の閲覧制限等 / DV等支援措置).", no_args_is_help=True
)


@app.command("place")
def place(
    resident: str,
    kind: Annotated[str, typer.Option(help="dv | stalking | abuse | other")] = "dv",
) -> None:
    """Put a resident under a measure (suspends every supporter delegation they granted)."""
    from tenohira.agencies.municipality.protection import KINDS, place_measure
    from tenohira.core import in_migrated_session

    if kind not in KINDS:
        typer.echo(f"kind must be one of {', '.join(KINDS)}", err=True)
        raise typer.Exit(2)

    async def work(session: Any) -> None:
        from tenohira.agencies.municipality.models import Resident

        if await session.get(Resident, resident) is None:
            typer.echo("no such resident / 該当する住民がいません", err=True)
            raise typer.Exit(1)
        await place_measure(session, resident, kind=kind)

    asyncio.run(in_migrated_session(work))
    typer.echo("placed")


@app.command("lift")
def lift(resident: str) -> None:
    """End every measure of a resident."""
    from tenohira.agencies.municipality.protection import lift_measures
    from tenohira.core import in_migrated_session

    async def work(session: Any) -> int:
        return await lift_measures(session, resident)

    typer.echo(f"lifted {asyncio.run(in_migrated_session(work))}")


@app.command("status")
def status(resident: str) -> None:
    """Whether a measure is in force today."""
    from tenohira.agencies.municipality.protection import is_protected
    from tenohira.core import in_migrated_session

    async def work(session: Any) -> bool:
        return await is_protected(session, resident)

    typer.echo("protected" if asyncio.run(in_migrated_session(work)) else "not protected")
