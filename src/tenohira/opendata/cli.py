"""Commands of opendata."""

import typer

app = typer.Typer(
    help="Open data.",
    no_args_is_help=True,
)
