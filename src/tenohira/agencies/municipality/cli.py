"""Commands of agencies.municipality: ``tenohira residents ...`` for operators and demos."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

app = typer.Typer(help="The demo municipality's resident registry.", no_args_is_help=True)


async def _list(limit: int, offset: int) -> list[dict[str, Any]]:
    from tenohira.agencies.municipality import list_residents
    from tenohira.core import in_migrated_session

    records = await in_migrated_session(lambda session: list_residents(session, limit=limit, offset=offset))
    return [
        {
            "id": r.id,
            "name": r.name,
            "name_kana": r.name_kana,
            "birth_date": r.birth_date.isoformat(),
            "sex": r.sex,
            "household_id": r.household_id,
            "relation": r.relation,
            "address": r.address,
            "insurance": r.insurance,
            "expecting_due_date": r.expecting_due_date.isoformat() if r.expecting_due_date else None,
            "hospital_id": r.hospital_id,
        }
        for r in records
    ]


@app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(help="how many residents to list.")] = 100,
    offset: Annotated[int, typer.Option(help="how many to skip.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (one array).")] = False,
) -> None:
    """List residents: id, name, reading, date of birth, household (the individual number is never shown)."""
    rows = asyncio.run(_list(limit, offset))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        due = f"  出産予定 {r['expecting_due_date']}" if r["expecting_due_date"] else ""
        typer.echo(
            f"{r['id']}  {r['household_id']}  {r['name']}（{r['name_kana']}）  {r['birth_date']}  "
            f"{r['relation']}{due}"
        )


@app.command("expecting")
def expecting_command(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON.")] = False,
) -> None:
    """List expectant mothers (due date and hospital), the starting point of the birth story."""

    async def go() -> list[dict[str, Any]]:
        from tenohira.agencies.municipality import repository
        from tenohira.core import get_database, get_settings

        settings = get_settings()
        db = get_database(settings)
        try:
            async with db.session() as session:
                records = await repository.expectant_mothers(session, city=settings.municipality_name_ja)
        finally:
            await db.dispose()
        return [
            {
                "id": r.id,
                "name": r.name,
                "household_id": r.household_id,
                "expecting_due_date": r.expecting_due_date.isoformat() if r.expecting_due_date else None,
                "hospital_id": r.hospital_id,
            }
            for r in records
        ]

    rows = asyncio.run(go())
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(
            f"{r['id']}  {r['household_id']}  {r['name']}  {r['expecting_due_date']}  {r['hospital_id']}"
        )
