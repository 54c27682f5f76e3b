"""Commands of procedures."""

import typer

app = typer.Typer(help="The procedure catalogue (data files) and deadline computation.", no_args_is_help=True)
