"""Commands of procedures: ``tenohira procedures list`` and ``show``."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tenohira.procedures.loading import UnknownProcedure, deadline_for, load_catalogue
from tenohira.procedures.procedure import LIFE_EVENTS, Deadline
from tenohira.procedures.schemas import Language, detail, summarise

app = typer.Typer(help="The procedure catalogue (data files) and deadline computation.", no_args_is_help=True)


@app.command("list")
def list_command(
    event: Annotated[str | None, typer.Option(help="only this life event: " + ", ".join(LIFE_EVENTS))] = None,
    language: Annotated[str, typer.Option(help="ja, en or easy_ja")] = "ja",
    event_date: Annotated[
        str | None, typer.Option("--date", help="event date (YYYY-MM-DD): show each due date")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the catalogue (as a table, or JSON)."""
    if event is not None and event not in LIFE_EVENTS:
        raise typer.BadParameter(f"unknown life event {event!r}; known: {', '.join(LIFE_EVENTS)}")
    if language not in ("ja", "en", "easy_ja"):
        raise typer.BadParameter("language is ja, en or easy_ja")
    lang: Language = language  # type: ignore[assignment]
    when = date.fromisoformat(event_date) if event_date else None
    catalogue = load_catalogue()
    procedures = catalogue.for_event(event) if event else catalogue.all()
    rows = [summarise(p, lang, when) for p in procedures]
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"procedures ({len(rows)})")
    table.add_column("id", no_wrap=True)
    for column in ("name", "events", "decided by", "decision", "deadline"):
        table.add_column(column)
    if when:
        table.add_column("due")
    for row in rows:
        cells = [
            row.id + ("" if row.confirmed else " *"),
            row.name,
            ",".join(row.life_events),
            row.deciding_agency,
            row.decision + (f" ({row.benefit})" if row.benefit else ""),
            _short_deadline(catalogue.get(row.id).deadline),
        ]
        if when:
            cells.append(row.deadline_date.isoformat() if row.deadline_date else "—")
        table.add_row(*cells)
    Console().print(table)
    typer.echo("* has a fact we could not confirm (see `show`)")


def _short_deadline(rule: Deadline) -> str:
    if rule.kind != "period":
        return rule.kind.replace("_", " ")
    length = (
        f"{rule.days} days"
        if rule.days
        else f"{rule.months} months"
        if rule.months
        else f"{rule.years} years"
    )
    return length + (" (day 1 = event)" if rule.counting == "event_day_is_day_1" else " (from next day)")


@app.command("show")
def show_command(
    procedure_id: Annotated[str, typer.Argument(help="procedure id, e.g. birth_notification")],
    event_date: Annotated[
        str | None, typer.Option("--date", help="event date (YYYY-MM-DD): show the due date")
    ] = None,
) -> None:
    """Show one catalogue entry as JSON."""
    when = date.fromisoformat(event_date) if event_date else None
    try:
        procedure = load_catalogue().get(procedure_id)
    except UnknownProcedure as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(json.dumps(detail(procedure, when), ensure_ascii=False, indent=2))


@app.command("deadline")
def deadline_command(
    procedure_id: Annotated[str, typer.Argument(help="procedure id")],
    event_date: Annotated[str, typer.Argument(help="event date YYYY-MM-DD")],
) -> None:
    """Print the last day to file a procedure after an event on a date."""
    procedure = load_catalogue().get(procedure_id)
    due = deadline_for(procedure, date.fromisoformat(event_date))
    typer.echo(due.isoformat() if due else "no computable deadline: " + procedure.deadline.description.en)
