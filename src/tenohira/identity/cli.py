"""Commands of identity."""

import typer

ca_app = typer.Typer(help="The certificate authority of the cards.", no_args_is_help=True)
    help="Card identity in the style of JPKI.",
    no_args_is_help=True,
)
    help="Card identity in the style of JPKI.",
    no_args_is_help=True,
)
