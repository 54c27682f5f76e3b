"""Commands of the hub: ``tenohira hub member|service|right ...``, purge, admin token.

They work on the database directly (an operator on the hub's host). A running hub sees
the change within a second (its directory snapshot is at most that old); the admin API
of the running hub applies it at once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

# for annotations only: the modules load in the commands that use them
if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


T = TypeVar("T")

app = typer.Typer(help="The information-linkage hub (情報連携ハブ).", no_args_is_help=True)
member_app = typer.Typer(help="Register, list, suspend, resume and revoke members.", no_args_is_help=True)
service_app = typer.Typer(help="Services members publish.", no_args_is_help=True)
right_app = typer.Typer(help="Access rights: client member × service × purpose.", no_args_is_help=True)
app.add_typer(member_app, name="member")
app.add_typer(service_app, name="service")
app.add_typer(right_app, name="right")


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database

    async def go() -> T:
        from tenohira.hub.runtime import touch_directory_stamp

        try:
            async with get_database(get_settings()).session() as session:
                result = await work(session)
            # running hubs on this host reload their directory on the next request
            touch_directory_stamp(get_settings())
            return result
        finally:
            await dispose_databases()

    from tenohira.core.problems import Problem

    try:
        return asyncio.run(go())
    except Problem as problem:
        typer.echo(
            f"error: {problem.title} ({problem.title_ja}){': ' + problem.detail if problem.detail else ''}",
            err=True,
        )
        raise typer.Exit(1) from problem


def _echo(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    for row in rows:
        typer.echo("  ".join(f"{k}={v}" for k, v in row.items()))


JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON.")]


@member_app.command("list")
def member_list(as_json: JsonOpt = False) -> None:
    """List members with status, roles, log mode and certificate expiry."""
    from tenohira.hub import repository as repo

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [
            {
                "id": m.id,
                "name": m.name,
                "status": m.status,
                "roles": ",".join(m.roles or []),
                "log_mode": m.log_mode,
                "base_url": m.base_url,
                "certificate_not_after": m.certificate_not_after.date().isoformat(),
            }
            for m in await repo.list_members(session)
        ]

    _echo(_run(work), as_json)


@member_app.command("register")
def member_register(
    member_id: Annotated[str, typer.Argument(help="member id, e.g. pension-office.")],
    name: Annotated[str, typer.Option(help="display name.")],
    base_url: Annotated[str | None, typer.Option(help="where its services answer.")] = None,
    role: Annotated[
        list[str] | None, typer.Option(help="register-subjects, link-cards, resolve-cards, read-history.")
    ] = None,
    log_mode: Annotated[str, typer.Option(help="full-digest or metadata-only.")] = "full-digest",
    public_key: Annotated[Path | None, typer.Option(help="the member's P-256 public key (PEM).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="generate the key here (default data_dir/members/<id>).")
    ] = None,
) -> None:
    """Register (or re-key) a member and certify its key with the member CA."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from tenohira.core.config import get_settings
    from tenohira.hub import service as svc
    from tenohira.hub.pki import MemberCA, MemberCredentials, hub_dir, load_cert, member_dir, new_key

    settings = get_settings()
    ca = MemberCA.load(settings)
    private = None
    if public_key is not None:
        key = load_pem_public_key(public_key.read_bytes())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise typer.BadParameter("an EC P-256 public key is required")
    else:
        private = new_key()
        key = private.public_key()

    async def work(session: AsyncSession) -> str:
        member = await svc.register_member(
            session,
            ca,
            member_id=member_id,
            name=name,
            public_key=key,
            base_url=base_url,
            roles=role or [],
            log_mode=log_mode,
        )
        return member.certificate_pem

    pem = _run(work)
    if private is not None:
        directory = out or member_dir(settings, member_id)
        hub_cert = load_cert((hub_dir(settings) / "hub.pem").read_bytes())
        MemberCredentials(member_id, private, load_cert(pem), hub_cert, ca.certificate).save(directory)
        typer.echo(f"member {member_id} registered; key and certificates in {directory}")
    else:
        typer.echo(pem, nl=False)


def _status(member_id: str, status: str, reason: str | None) -> None:
    from tenohira.hub import service as svc

    async def work(session: AsyncSession) -> str:
        return (await svc.set_member_status(session, member_id, status, reason)).status

    typer.echo(f"member {member_id}: {_run(work)}")


ReasonOpt = Annotated[str | None, typer.Option(help="why (kept with the member).")]


@member_app.command("suspend")
def member_suspend(member_id: str, reason: ReasonOpt = None) -> None:
    """Suspend a member: every request of it is refused until resumed."""
    _status(member_id, "suspended", reason)


@member_app.command("resume")
def member_resume(member_id: str, reason: ReasonOpt = None) -> None:
    """Resume a suspended member."""
    _status(member_id, "active", reason)


@member_app.command("revoke")
def member_revoke(member_id: str, reason: ReasonOpt = None) -> None:
    """Revoke a member for good."""
    _status(member_id, "revoked", reason)


@member_app.command("log-mode")
def member_log_mode(
    member_id: str, mode: Annotated[str, typer.Argument(help="full-digest or metadata-only.")]
) -> None:
    """Set what the exchange log keeps of this member's exchanges."""
    from tenohira.hub import service as svc

    async def work(session: AsyncSession) -> str:
        return (await svc.set_log_mode(session, member_id, mode)).log_mode

    typer.echo(f"member {member_id}: log mode {_run(work)}")


@service_app.command("list")
def service_list(as_json: JsonOpt = False) -> None:
    """List published services."""
    from tenohira.hub import repository as repo

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "method": s.method,
                "path": s.path,
                "legal_basis": s.legal_basis,
                "third_party": s.reveals_third_party,
            }
            for s in await repo.list_services(session)
        ]

    _echo(_run(work), as_json)


@service_app.command("publish")
def service_publish(
    provider: str,
    name: str,
    method: Annotated[str, typer.Option()],
    path: Annotated[str, typer.Option()],
    legal_basis: Annotated[str, typer.Option()],
    description: Annotated[str, typer.Option()] = "",
    openapi: Annotated[Path | None, typer.Option(help="OpenAPI fragment (JSON file).")] = None,
    third_party: Annotated[bool, typer.Option(help="answers reveal others' private affairs.")] = False,
) -> None:
    """Publish (or update) a service of a provider member."""
    from tenohira.hub import service as svc

    fragment = json.loads(openapi.read_text()) if openapi else {}

    async def work(session: AsyncSession) -> str:
        s = await svc.publish_service(
            session,
            provider_id=provider,
            name=name,
            method=method,
            path=path,
            legal_basis=legal_basis,
            description=description,
            openapi=fragment,
            reveals_third_party=third_party,
        )
        return s.id

    typer.echo(f"service {_run(work)} published")


@right_app.command("list")
def right_list(as_json: JsonOpt = False) -> None:
    """List access rights (revoked ones too)."""
    from tenohira.hub import repository as repo

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [
            {
                "id": r.id,
                "client": r.client_id,
                "service": r.service_id,
                "purpose": r.purpose,
                "legal_basis": r.legal_basis,
                "third_party": r.reveals_third_party,
                "revoked": r.revoked_at is not None,
            }
            for r in await repo.list_rights(session, active_only=False)
        ]

    _echo(_run(work), as_json)


@right_app.command("grant")
def right_grant(
    client: str,
    service: str,
    purpose: str,
    legal_basis: Annotated[str, typer.Option()],
    third_party: Annotated[
        bool, typer.Option(help="mark history entries as revealing others' affairs.")
    ] = False,
) -> None:
    """Allow CLIENT to call SERVICE for PURPOSE under LEGAL_BASIS."""
    from tenohira.hub import service as svc

    async def work(session: AsyncSession) -> int:
        right = await svc.grant(
            session,
            client_id=client,
            service_id=service,
            purpose=purpose,
            legal_basis=legal_basis,
            reveals_third_party=third_party,
        )
        return right.id

    typer.echo(f"right {_run(work)} granted")


@right_app.command("revoke")
def right_revoke(right_id: int) -> None:
    """Withdraw an access right."""
    from tenohira.hub import service as svc

    async def work(session: AsyncSession) -> int:
        return (await svc.revoke_right(session, right_id)).id

    typer.echo(f"right {_run(work)} revoked")


@app.command("purge")
def purge() -> None:
    """Delete expired nonces and access history older than the retention period."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases
    from tenohira.hub.tasks import purge_once

    async def go() -> tuple[int, int]:
        try:
            return await purge_once(get_settings())
        finally:
            await dispose_databases()

    nonces, history = asyncio.run(go())
    typer.echo(f"purged {nonces} nonces and {history} access-history entries")


@app.command("admin-token")
def admin_token() -> None:
    """Print the admin API bearer token (created at bootstrap in data_dir/hub/admin-token)."""
    from tenohira.core.config import get_settings
    from tenohira.hub.runtime import admin_token_path

    path = admin_token_path(get_settings())
    if not path.exists():
        typer.echo("no admin token yet: run `tenohira init` first", err=True)
        raise typer.Exit(1)
    typer.echo(path.read_text().strip())


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on.")] = 8100,
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes sharing the port.")] = 1,
) -> None:
    """Serve the hub alone, in one or more worker processes (the hub deployed apart).

    Each worker is a complete hub: the directory is a snapshot per process, nonces are
    reserved in the shared database, exchanges are logged with group commit per process.
    Several workers need PostgreSQL (``TENOHIRA_DATABASE_URL``): SQLite serialises their
    writes. Members reach it at ``TENOHIRA_HUB_URL``; providers' ``base_url`` must point to
    their own deployments. The database must be migrated and bootstrapped (``tenohira init``).
    """
    import uvicorn

    from tenohira.core.config import get_settings

    settings = get_settings()
    if workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        typer.echo("warning: several hub workers on SQLite contend for its single writer", err=True)
    typer.echo(f"hub serving on http://{host}:{port}/ with {workers} worker(s)")
    uvicorn.run(
        "tenohira.hub.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
    )
