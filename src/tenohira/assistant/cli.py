"""Commands of the assistant: ``tenohira assistant understand "TEXT"``."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

app = typer.Typer(help="The assistant.", no_args_is_help=True)


@app.callback()
def assistant() -> None:
    """The assistant: understanding requests, and (later) the dialogue."""


@app.command("understand")
def understand_command(
    text: Annotated[str, typer.Argument(help="what the resident said")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    today: Annotated[
        str | None, typer.Option(help="anchor for relative dates like 昨日 (YYYY-MM-DD; default today)")
    ] = None,
    llm: Annotated[bool, typer.Option(help="ask the LLM at TENOHIRA_LLM_URL when unsure (if set)")] = True,
) -> None:
    """Print the intent, language and slots understood from TEXT."""
    from tenohira.assistant.nlu import configured_model, understand

    anchor = date.fromisoformat(today) if today else None
    result = understand(text, today=anchor, llm=configured_model() if llm else None)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    typer.echo(f"intent:   {result.intent}  ({result.source}, {result.confidence:.2f})")
    typer.echo(f"language: {result.language}")
    for key, value in result.slots.items():
        typer.echo(f"{key + ':':<10}{json.dumps(value, ensure_ascii=False)}")
