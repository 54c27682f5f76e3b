"""Commands of hub."""

import typer

app = typer.Typer(
    help="The information-linkage hub.",
    no_args_is_help=True,
)
