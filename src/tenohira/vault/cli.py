"""Commands of vault: ``tenohira vault status | where | rotate | recover-site | shred``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

import typer

app = typer.Typer(help="Fail-secure storage: keys split across sites.", no_args_is_help=True)

T = TypeVar("T")


def _run(coro: Awaitable[T]) -> T:
    from tenohira.core.db import dispose_databases

    async def go() -> T:
        try:
            return await coro
        finally:
            await dispose_databases()

    return asyncio.run(go())


def _echo(data: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="print JSON.")] = False) -> None:
    """Sites, key versions and the latest rotation."""
    from tenohira.core.config import get_settings
    from tenohira.vault.service import status as vault_status

    data = _run(vault_status(get_settings()))
    if as_json:
        _echo(data, True)
        return
    typer.echo(
        f"vault {data['state']}: {data['healthy_sites']}/{len(data['sites'])} sites, "
        f"threshold {data['threshold']}"
    )
    typer.echo(f"active key-encryption key: v{data['active_kek']}")
    for site in data["sites"]:
        if not site["present"]:
            typer.echo(
                f"  {site['name']:<8} MISSING  {site['path']}  (tenohira vault recover-site {site['name']})"
            )
            continue
        keys = ", ".join(f"{k}: {n}" for k, n in site["data_keys"].items()) or "no data keys"
        typer.echo(
            f"  {site['name']:<8} ok       {site['path']}  shares: {', '.join(site['shares'])}; {keys}; "
            f"shredded: {site['shredded']}"
        )
    for secret in data["secrets"]:
        typer.echo(f"  secret {secret['name']:<9} {secret['state']:<9} fingerprint {secret['fingerprint']}")
    rotation = data["rotation"]
    if rotation:
        typer.echo(
            f"rotation #{rotation['id']} v{rotation['from_version']} → v{rotation['to_version']}: "
            f"{rotation['state']} ({rotation['done']}/{rotation['total']} data keys re-wrapped)"
        )


@app.command()
def where(
    person: Annotated[
        str, typer.Argument(help="the person's id as the data holder knows it (e.g. R0000123).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON.")] = False,
) -> None:
    """Which sites hold this person's data key and the shares that unlock it."""
    from tenohira.core.config import get_settings
    from tenohira.vault.service import open_vault

    async def go() -> dict[str, Any]:
        return (await open_vault(get_settings())).where(person)

    data = _run(go())
    if as_json:
        _echo(data, True)
        return
    typer.echo(
        f"{person}: any {data['threshold']} of these sites together can unlock the data; fewer reveal nothing"
    )
    for site in data["sites"]:
        typer.echo(f"  {site['site']:<8} {site['path']}")
        typer.echo(f"           data key: {site['data_key']}")
        for name, share in site.get("shares", {}).items():
            typer.echo(f"           share x={share['x']} of {name} (split {share['split_id'][:8]})")
    typer.echo(data["note"])


@app.command()
def rotate(
    batch_size: Annotated[int, typer.Option(help="data keys re-wrapped per transaction.")] = 500,
    grace: Annotated[float, typer.Option(help="seconds to wait for other processes before retiring.")] = 10.0,
) -> None:
    """Rotate the key-encryption key: new version now, re-wrap data keys in the background, retire the old."""
    from tenohira.core.config import get_settings
    from tenohira.core.progress import rich_progress
    from tenohira.vault.service import rotate as vault_rotate

    with rich_progress() as progress:
        result = _run(vault_rotate(get_settings(), progress, batch_size=batch_size, grace_seconds=grace))
    typer.echo(f"rotated v{result.from_version} → v{result.to_version}: {result.done} data keys re-wrapped")


@app.command("recover-site")
def recover_site(site: Annotated[str, typer.Argument(help="the site to rebuild (e.g. north).")]) -> None:
    """Rebuild a lost site from the others and re-split every key (old shares become useless)."""
    from tenohira.core.config import get_settings
    from tenohira.core.progress import rich_progress
    from tenohira.vault.service import recover_site as vault_recover

    with rich_progress() as progress:
        result = _run(vault_recover(get_settings(), site, progress))
    typer.echo(
        f"site {result['site']} rebuilt: {result['data_keys']} data keys copied; "
        f"re-split: {', '.join(result['resplit'])}"
    )


@app.command()
def shred(
    person: Annotated[str, typer.Argument(help="the person's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone.")] = False,
) -> None:
    """Destroy a person's data key (where the law allows erasure): every copy of their data is unreadable."""
    from tenohira.core.config import get_settings
    from tenohira.vault.service import shred_person

    if not yes:
        typer.echo("refusing without --yes: shredding cannot be undone", err=True)
        raise typer.Exit(2)
    sites = _run(shred_person(get_settings(), person, actor="cli"))
    typer.echo(f"{person}: data key destroyed at {', '.join(sites)}")


@app.command()
def erase(
    person: Annotated[str, typer.Argument(help="the resident's registry id (e.g. R0000123).")],
    everywhere: Annotated[
        bool, typer.Option("--everywhere", help="at every holder that keeps data about them.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only say what would happen.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON.")] = False,
) -> None:
    """Erase a person at every holder (registry, insurer, hospital, palm, notify, assistant,
    supporters, hub digests) where the law allows; report each holder's outcome; log it."""
    from tenohira.core.config import get_settings
    from tenohira.vault.erasure import erase_everywhere

    if not everywhere:
        typer.echo(
            "say --everywhere (every holder), or use `tenohira vault shred ID --yes` for one holder's key",
            err=True,
        )
        raise typer.Exit(2)
    if not yes and not dry_run:
        typer.echo("refusing without --yes: erasing cannot be undone (try --dry-run)", err=True)
        raise typer.Exit(2)
    report = _run(erase_everywhere(get_settings(), person, actor="cli", dry_run=dry_run))
    if as_json:
        _echo(report.as_dict(), True)
    else:
        typer.echo(f"{person}: erasure {report.erasure_id}{' (dry run)' if dry_run else ''}")
        for h in report.holders:
            line = f"  {h.holder:<10} {h.outcome:<15} keys: {h.keys}, shredded now: {h.shredded}"
            if h.legal_basis and h.outcome in ("kept", "already erased"):
                line += f"\n             legal basis: {h.legal_basis}"
            if h.detail:
                line += f" ({h.detail})"
            typer.echo(line)
    if not report.complete:
        raise typer.Exit(1)
