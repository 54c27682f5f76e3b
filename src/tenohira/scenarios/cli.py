"""``tenohira scenario <life event>``: a life event end to end through the platform's HTTP APIs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

scenario_app = typer.Typer(help="Run a life event end to end through the HTTP APIs.", no_args_is_help=True)


@scenario_app.command("birth")
def birth(
    url: Annotated[
        str | None, typer.Option(help="a running instance (default: start a fresh embedded one)")
    ] = None,
    card: Annotated[
        Path | None, typer.Option(help="with --url: an issued card directory (PIN 1234, password TENOHIRA26)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="with --url: that instance's data directory (to issue the card)")
    ] = None,
    resident: Annotated[str, typer.Option(help="the expectant mother's registry id")] = "R0000002",
    residents: Annotated[int, typer.Option(help="demo population of the fresh instance")] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON summary only")] = False,
) -> None:
    """The birth story: card, login, birth certificate, birth notification, notices, do-them-for-me,
    decisions, emails, access history. Exit 1 if any step failed."""
    from tenohira.scenarios.birth import run_story

    def progress(message: str) -> None:
        if not as_json:
            typer.echo(f"… {message}", err=True)

    summary = run_story(
        url, card_dir=card, data_dir=data_dir, resident=resident, residents=residents, progress=progress
    )
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for step in summary["steps"]:
            mark = "✓" if step["ok"] else "✗"
            typer.echo(f"{mark} {step['step']:<20} {step['ms']:>9.1f} ms  {step.get('error', '')}")
        typer.echo(f"birth notification: {(summary.get('birth_notification') or {}).get('status')}")
        for n in summary["notices"]:
            typer.echo(f"notice: {n['procedure']} (deadline {n.get('deadline')})")
        for a in summary["applications"]:
            typer.echo(f"application: {a['procedure']} → {a['status']}")
        typer.echo(
            f"emails sent: {summary['emails_sent']}; access history: {summary['access_history_entries']}"
        )
        typer.echo("OK" if summary["ok"] else "FAILED")
    if not summary["ok"]:
        sys.exit(1)


@scenario_app.command("oidc")
def oidc(
    url: Annotated[
        str | None, typer.Option(help="a running instance (default: a fresh embedded one)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON summary only")] = False,
) -> None:
    """A bank's relying party through the OpenID Provider with a standard client library (Authlib):
    PAR, PKCE, private_key_jwt, DPoP, consent, ID token, userinfo, refresh, revocation. Exit 1 on failure."""
    from tenohira.oidc.scenario import print_summary, run_oidc

    summary = run_oidc(url, progress=lambda m: None if as_json else typer.echo(f"… {m}", err=True))
    print_summary(summary, as_json=as_json)
    if not summary["ok"]:
        sys.exit(1)
