"""Commands of palm."""

import typer

app = typer.Typer(
    help="The citizen-facing side.",
    no_args_is_help=True,
)
scenario_app = typer.Typer(
    help="The citizen-facing side.",
    no_args_is_help=True,
)
