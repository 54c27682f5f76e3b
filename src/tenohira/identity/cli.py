"""Commands of identity."""

import typer

ca_app = typer.Typer(
    help="Card identity in the style of JPKI.",
    no_args_is_help=True,
)
card_app = typer.Typer(
    help="Card identity in the style of JPKI.",
    no_args_is_help=True,
)
