"""Commands of assistant."""

import typer

app = typer.Typer(
    help="The assistant.",
    no_args_is_help=True,
)
