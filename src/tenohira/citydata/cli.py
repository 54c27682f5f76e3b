"""Commands of citydata."""

import typer

app = typer.Typer(help="City data.", no_args_is_help=True)
