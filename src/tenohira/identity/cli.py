"""Commands of identity: the certificate authority (``tenohira ca ...``)."""

import typer

ca_app = typer.Typer(help="The certificate authority of the cards.", no_args_is_help=True)
