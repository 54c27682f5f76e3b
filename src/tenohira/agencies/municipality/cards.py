"""Card issuance at the municipality counter: ``tenohira card ...`` (issue, revoke, status, unlock).

The municipality checks the resident in the registry and hands the four basic facts to the
card issuer (identity); the card issuer never reads the registry itself.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer

# for annotations only: the modules load in the commands that use them
if TYPE_CHECKING:
    from tenohira.core.config import Settings
    from tenohira.core.problems import Problem
    from tenohira.identity import IssuedCard


T = TypeVar("T")

card_app = typer.Typer(help="Issue, revoke and unlock residents' cards.", no_args_is_help=True)


def counter_actor(settings: Settings) -> str:
    """How the counter appears in the transparency log: the municipality's code."""
    return f"municipality:{settings.municipality_code}"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one command's async work, then close the engine bound to that event loop."""
    from tenohira.core.db import dispose_databases

    async def wrapper() -> T:
        try:
            return await coro
        finally:
            await dispose_databases()

    return asyncio.run(wrapper())


def _fail(problem: Problem) -> typer.Exit:
    typer.echo(
        f"{problem.title_ja} / {problem.title}: {problem.detail_ja or ''} {problem.detail or ''}", err=True
    )
    return typer.Exit(1)


class HubLinkFailed(Exception):
    """The card was issued but could not be linked to the person at the hub (hub not reachable)."""


async def link_card_at_hub(settings: Settings, resident_id: str, auth_serial: str) -> None:
    """Link the card's authentication serial to the resident's hub code, so that the palm and the
    other agencies can resolve a logged-in card to their own code for the person."""
    import httpx

    from tenohira.agencies.membership import member_client
    from tenohira.agencies.municipality import hub_code_for_resident
    from tenohira.core.db import get_database
    from tenohira.core.problems import Problem
    from tenohira.hub import HubError, HubResponseError

    try:
        # The hub code first, in a unit of work of its own: the hub may write to the same
        # embedded database while we wait for it.
        async with get_database(settings).session() as session:
            code = await hub_code_for_resident(session, resident_id)
        await member_client(settings, "municipality").link_card(code, auth_serial)
    except (httpx.HTTPError, HubError, HubResponseError, Problem) as exc:
        raise HubLinkFailed(f"{type(exc).__name__}: {exc}") from exc


async def unlink_cards_at_hub(settings: Settings, serials: list[str]) -> None:
    """Stop the hub resolving revoked cards (best effort: authentication refuses them anyway)."""
    import httpx

    from tenohira.agencies.membership import member_client
    from tenohira.core.problems import Problem
    from tenohira.hub import HubError, HubResponseError

    try:
        client = member_client(settings, "municipality")
        for serial in serials:
            await client.unlink_card(serial)
    except (httpx.HTTPError, HubError, HubResponseError, Problem) as exc:
        raise HubLinkFailed(f"{type(exc).__name__}: {exc}") from exc


async def issue_for_resident(
    settings: Settings, resident_id: str, *, out_dir: Path, pin: str, password: str
) -> IssuedCard:
    """Issue a card to a current resident of the registry (the counter's whole procedure).

    Linking the card at the hub is a separate step (:func:`link_card_at_hub`), because the hub
    is reached over HTTP and may be down while the counter still issues cards.
    """
    from tenohira.agencies.municipality import get_resident
    from tenohira.core.db import get_database, migrate
    from tenohira.core.problems import Problem
    from tenohira.identity import BasicFacts, ensure_ca, issue_card

    await migrate(settings.resolved_database_url)
    await asyncio.to_thread(ensure_ca, settings)
    async with get_database(settings).session() as session:
        resident = await get_resident(session, resident_id)
        if resident is None or resident.status != "resident":
            raise Problem(
                status=404,
                slug="resident-not-found",
                title="No such resident",
                title_ja="該当する住民がいません",
                detail=f"{resident_id} is not a current resident of {settings.municipality_name_en}.",
                detail_ja=f"{resident_id} は{settings.municipality_name_ja}の住民として登録されていません。",
            )
        facts = BasicFacts(
            name=resident.name,
            name_kana=resident.name_kana,
            address=resident.address,
            birth_date=resident.birth_date,
            sex=resident.sex,
        )
        return await issue_card(
            session,
            holder_ref=resident.id,
            facts=facts,
            pin=pin,
            password=password,
            out_dir=out_dir,
            actor=counter_actor(settings),
            settings=settings,
        )


def _validated_pin(value: str) -> str:
    from tenohira.core.problems import Problem
    from tenohira.identity import check_pin_format

    try:
        check_pin_format(value)
    except Problem as exc:
        raise typer.BadParameter(f"{exc.detail} / {exc.detail_ja}") from exc
    return value


def _validated_password(value: str) -> str:
    from tenohira.core.problems import Problem
    from tenohira.identity import check_password_format

    try:
        check_password_format(value)
    except Problem as exc:
        raise typer.BadParameter(f"{exc.detail} / {exc.detail_ja}") from exc
    return value


@card_app.command("issue")
def issue(
    resident: Annotated[str, typer.Option(help="resident id in the registry, e.g. R0000123.")],
    out: Annotated[Path, typer.Option(help="directory to write the card into.")],
    pin: Annotated[
        str,
        typer.Option(
            prompt="PIN (4 digits) / 利用者証明用暗証番号（数字4桁）",
            hide_input=True,
            confirmation_prompt=True,
            callback=_validated_pin,
            help="4-digit PIN of the authentication key.",
        ),
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt="password (6-16 A-Z/0-9) / 署名用パスワード（英大文字・数字6〜16文字）",
            hide_input=True,
            confirmation_prompt=True,
            callback=_validated_password,
            help="password of the signing key: 6–16 upper-case letters and digits.",
        ),
    ],
    hub: Annotated[bool, typer.Option(help="link the card to the resident at the hub.")] = True,
) -> None:
    """Issue a card to a resident at the counter and write it (keys, certificates, CA chain) to OUT."""
    from tenohira.core.config import get_settings
    from tenohira.core.problems import Problem

    settings = get_settings()

    async def go() -> tuple[IssuedCard, str | None]:
        card = await issue_for_resident(settings, resident, out_dir=out, pin=pin, password=password)
        if not hub:
            return card, "skipped (--no-hub)"
        try:
            await link_card_at_hub(settings, resident, card.auth_serial)
        except HubLinkFailed as exc:
            return card, str(exc)
        return card, None

    try:
        card, hub_problem = _run(go())
    except Problem as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"card issued to {resident}: {card.out_dir}\n"
        f"  authentication certificate  {card.auth_serial}\n"
        f"  signing certificate         {card.sign_serial}\n"
        f"  valid until                 {card.not_after:%Y-%m-%d %H:%M} UTC\n"
        f"  check: openssl verify -CAfile {out}/ca-chain.pem {out}/auth.pem {out}/sign.pem"
    )
    if hub_problem:
        typer.echo(
            f"warning: the card is not linked at the hub yet ({hub_problem}); with the platform running:\n"
            f"  tenohira card link --card {out} --resident {resident}",
            err=True,
        )
    else:
        typer.echo("  linked at the hub")


@card_app.command("revoke")
def revoke(
    reason: Annotated[
        str, typer.Option(help="lost (both certificates), facts-changed (signing only) or returned.")
    ],
    serial: Annotated[str | None, typer.Option(help="serial of either certificate of the card.")] = None,
    resident: Annotated[str | None, typer.Option(help="revoke every card of this resident.")] = None,
) -> None:
    """Revoke a card; the new CRL is published at once and logins with it are refused."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import get_database, migrate
    from tenohira.core.problems import Problem
    from tenohira.identity import revoke_card

    if bool(serial) == bool(resident):
        raise typer.BadParameter("give exactly one of --serial or --resident")
    settings = get_settings()

    async def go() -> list[str]:
        await migrate(settings.resolved_database_url)
        async with get_database(settings).session() as session:
            return await revoke_card(
                session,
                serial=serial,
                holder_ref=resident,
                reason=reason,
                actor=counter_actor(settings),
                settings=settings,
            )

    try:
        revoked = _run(go())
    except Problem as exc:
        raise _fail(exc) from exc
    if not revoked:
        typer.echo("nothing to revoke (already revoked or expired)")
    for s in revoked:
        typer.echo(f"revoked {s} ({reason})")
    if revoked and reason != "facts-changed":
        try:
            _run(unlink_cards_at_hub(settings, revoked))
        except HubLinkFailed as exc:
            typer.echo(
                f"note: the hub was not told ({exc}); logins with the card are refused anyway", err=True
            )


@card_app.command("status")
def status(
    serial: Annotated[str | None, typer.Option(help="serial of either certificate.")] = None,
    resident: Annotated[str | None, typer.Option(help="every card of this resident.")] = None,
    card: Annotated[Path | None, typer.Option(help="a card directory (also shows the PIN counters).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON.")] = False,
) -> None:
    """Show certificates (active, revoked, expired) and, for a card directory, the retry counters."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import get_database, migrate
    from tenohira.identity import CardSimulator, card_status

    settings = get_settings()
    counters: dict[str, int] | None = None
    if card is not None:
        sim = CardSimulator.open(card)
        serial = json.loads((card / "card.json").read_text())["auth_serial"]
        counters = {
            "pin_tries_left": sim.tries_left("pin"),
            "password_tries_left": sim.tries_left("password"),
        }
    if not serial and not resident:
        raise typer.BadParameter("give --serial, --resident or --card")

    async def go() -> list[dict[str, str | None]]:
        await migrate(settings.resolved_database_url)
        async with get_database(settings).session() as session:
            rows = await card_status(session, serial=serial, holder_ref=resident)
        return [
            {
                "serial": r.serial,
                "card_id": r.card_id,
                "kind": r.kind,
                "state": r.state(),
                "issued_at": r.issued_at.isoformat(),
                "not_after": r.not_after.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                "revocation_reason": r.revocation_reason,
            }
            for r in rows
        ]

    rows = _run(go())
    if as_json:
        typer.echo(json.dumps({"certificates": rows, "counters": counters}, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no certificates found")
    for r in rows:
        extra = f" revoked {r['revoked_at']} ({r['revocation_reason']})" if r["revoked_at"] else ""
        typer.echo(f"{r['kind']:<4} {r['serial']}  {r['state']:<7} until {r['not_after']}{extra}")
    if counters is not None:
        typer.echo(
            f"PIN tries left: {counters['pin_tries_left']}  "
            f"password tries left: {counters['password_tries_left']}"
        )


@card_app.command("link")
def link(
    card: Annotated[Path, typer.Option(help="the card directory.")],
    resident: Annotated[str, typer.Option(help="the resident the card was issued to.")],
) -> None:
    """Link an issued card to the resident at the hub (when the hub was down at issuance)."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import get_database
    from tenohira.identity import card_status

    settings = get_settings()
    auth_serial = json.loads((card / "card.json").read_text())["auth_serial"]

    async def go() -> None:
        async with get_database(settings).session() as session:
            rows = await card_status(session, serial=auth_serial)
        if not rows or rows[0].holder_ref != resident:
            raise typer.BadParameter(f"this card was not issued to {resident}")
        await link_card_at_hub(settings, resident, auth_serial)

    try:
        _run(go())
    except HubLinkFailed as exc:
        typer.echo(f"the hub could not be reached: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"card {auth_serial} linked at the hub")


@card_app.command("unlock")
def unlock(
    card: Annotated[Path, typer.Option(help="the card directory.")],
    resident: Annotated[str, typer.Option(help="the resident the counter checked in person.")],
    secret: Annotated[str, typer.Option(help="pin or password.")] = "pin",  # noqa: S107
) -> None:
    """Unlock a card's PIN or password at the counter, after checking the holder in person."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import get_database, migrate
    from tenohira.identity import CardSimulator, card_status, record_unlock

    if secret not in ("pin", "password"):
        raise typer.BadParameter("--secret is pin or password")
    which: Literal["pin", "password"] = "password" if secret == "password" else "pin"  # noqa: S105
    settings = get_settings()
    sim = CardSimulator.open(card)
    auth_serial = json.loads((card / "card.json").read_text())["auth_serial"]

    async def go() -> None:
        await migrate(settings.resolved_database_url)
        async with get_database(settings).session() as session:
            rows = await card_status(session, serial=auth_serial)
            if not rows or rows[0].holder_ref != resident:
                raise typer.BadParameter(f"this card was not issued to {resident}")
            sim.reset_counter(which)
            await record_unlock(session, serial=auth_serial, secret=which, actor=counter_actor(settings))

    _run(go())
    typer.echo(f"{secret} unlocked; {sim.tries_left(which)} tries")
