"""Commands of rules."""

import typer

app = typer.Typer(
    help="Rules as code.",
    no_args_is_help=True,
)
