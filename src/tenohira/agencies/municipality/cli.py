"""Commands of agencies.municipality."""

import typer

app = typer.Typer(help="Municipality.", no_args_is_help=True)
