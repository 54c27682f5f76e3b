"""Commands of identity: the certificate authority (``tenohira ca ...``)."""

from __future__ import annotations

import asyncio

import typer

ca_app = typer.Typer(help="The certificate authority of the cards.", no_args_is_help=True)


@ca_app.command("init")
def init() -> None:
    """Create the root and issuing CA if missing (idempotent) and publish their first CRLs."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database, migrate
    from tenohira.identity import repository, service
    from tenohira.identity.ca import ISSUING_CRL_NAME, ROOT_CRL_NAME, ca_dir, init_ca

    settings = get_settings()
    settings.ensure_data_dir()
    ca, created = init_ca(settings)

    async def crls() -> None:
        await migrate(settings.resolved_database_url)
        try:
            async with get_database(settings).session() as session:
                for name in (ROOT_CRL_NAME, ISSUING_CRL_NAME):
                    if await repository.latest_crl(session, name) is None:
                        await service.publish_crl(session, name=name, settings=settings)
        finally:
            await dispose_databases()

    asyncio.run(crls())
    typer.echo(("created" if created else "already present") + f": card CA in {ca_dir(settings)}")
    _describe(ca)


def _describe(ca: object) -> None:
    from cryptography.hazmat.primitives import hashes

    from tenohira.identity.ca import CertificateAuthority

    assert isinstance(ca, CertificateAuthority)
    for label, cert in (("root CA", ca.root_cert), ("issuing CA", ca.issuing_cert)):
        typer.echo(
            f"  {label:<11} {cert.subject.rfc4514_string()}\n"
            f"              valid {cert.not_valid_before_utc:%Y-%m-%d} – {cert.not_valid_after_utc:%Y-%m-%d}"
            f"  SHA-256 {cert.fingerprint(hashes.SHA256()).hex(':').upper()}"
        )


@ca_app.command("show")
def show() -> None:
    """Show the CA certificates and where the public material is served."""
    from tenohira.core.config import get_settings
    from tenohira.identity.ca import CANotInitialised, crl_url, load_ca

    settings = get_settings()
    try:
        ca = load_ca(settings)
    except CANotInitialised as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    _describe(ca)
    typer.echo(
        f"  CA chain    {settings.resolved_base_url}/pki/ca-chain.pem\n  CRL         {crl_url(settings)}"
    )
