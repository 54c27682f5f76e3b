"""Card issuance at the municipality counter: ``tenohira card ...`` (issue, revoke)."""

import typer

card_app = typer.Typer(help="Issue and revoke residents' cards.", no_args_is_help=True)
