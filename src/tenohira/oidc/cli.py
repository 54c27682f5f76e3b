"""``tenohira oidc``: relying parties (``client add|list|remove``) and key rotation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

# for annotations only: the modules load in the commands that use them
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


T = TypeVar("T")

app = typer.Typer(help="The OpenID Provider: relying parties and signing keys.", no_args_is_help=True)
client_app = typer.Typer(help="Relying parties, registered after review.", no_args_is_help=True)
app.add_typer(client_app, name="client")


async def _in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from tenohira.core.config import get_settings
    from tenohira.core.db import get_database, migrate

    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    async with get_database().session() as session:
        return await work(session)


@client_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="the relying party's name shown to residents (Japanese)")],
    redirect_uri: Annotated[list[str], typer.Option(help="an exact redirect URI (repeatable)")],
    jwks: Annotated[Path, typer.Option(help="file with the client's public JWKS (private_key_jwt)")],
    name_en: Annotated[str | None, typer.Option(help="the name in English")] = None,
    scope: Annotated[str, typer.Option(help="allowed scopes")] = "openid name address birthdate gender",
    post_logout_redirect_uri: Annotated[list[str] | None, typer.Option(help="exact post-logout URI")] = None,
    require_par: Annotated[bool, typer.Option(help="pushed authorization requests required")] = True,
    require_dpop: Annotated[bool, typer.Option(help="DPoP-bound tokens required")] = False,
    client_id: Annotated[str | None, typer.Option(help="client_id (default: generated)")] = None,
    backchannel_logout_uri: Annotated[
        str | None, typer.Option(help="where logout tokens are POSTed (OIDC Back-Channel Logout)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Register a relying party after review."""
    from tenohira.core.problems import Problem
    from tenohira.oidc import add_client

    try:
        keyset = json.loads(jwks.read_text())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"cannot read a JWKS from {jwks}: {exc}") from exc
    try:
        info = asyncio.run(
            _in_session(
                lambda s: add_client(
                    s,
                    name_ja=name,
                    name_en=name_en or name,
                    redirect_uris=redirect_uri,
                    jwks=keyset,
                    scopes=scope.split(),
                    post_logout_redirect_uris=post_logout_redirect_uri or [],
                    require_par=require_par,
                    require_dpop=require_dpop,
                    client_id=client_id,
                    backchannel_logout_uri=backchannel_logout_uri,
                )
            )
        )
    except Problem as problem:
        typer.echo(f"refused: {problem.detail} / {problem.detail_ja}", err=True)
        raise typer.Exit(2) from problem
    if as_json:
        typer.echo(
            json.dumps(
                {"client_id": info.client_id, "scopes": info.scopes, "redirect_uris": info.redirect_uris}
            )
        )
    else:
        typer.echo(f"registered {info.client_id} ({info.name_ja}); scopes: {' '.join(info.scopes)}")


@client_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """The registered relying parties."""
    from tenohira.oidc import list_clients

    clients = asyncio.run(_in_session(list_clients))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "client_id": c.client_id,
                        "name": c.name_ja,
                        "name_en": c.name_en,
                        "redirect_uris": c.redirect_uris,
                        "scopes": c.scopes,
                        "require_par": c.require_par,
                        "require_dpop": c.require_dpop,
                        "keys": c.key_ids,
                    }
                    for c in clients
                ],
                ensure_ascii=False,
            )
        )
        return
    for c in clients:
        typer.echo(f"{c.client_id}\t{c.name_ja}\t{' '.join(c.scopes)}\t{' '.join(c.redirect_uris)}")


@client_app.command("remove")
def remove(client_id: Annotated[str, typer.Argument(help="the client_id")]) -> None:
    """Remove a relying party: it cannot authenticate any more and its tokens stop working."""
    from tenohira.oidc import remove_client

    if not asyncio.run(_in_session(lambda s: remove_client(s, client_id))):
        typer.echo(f"no such client: {client_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed {client_id}")


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Make a new signing key active; the old one stays in the JWKS for two days."""
    from tenohira.core.config import get_settings
    from tenohira.oidc import rotate_keys as rotate

    settings = get_settings()
    kid = asyncio.run(_in_session(lambda s: rotate(s, settings)))
    typer.echo(f"signing key {kid} is now active")
