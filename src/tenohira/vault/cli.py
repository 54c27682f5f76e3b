"""Commands of vault."""

import typer

app = typer.Typer(
    help="Fail-secure storage.",
    no_args_is_help=True,
)
