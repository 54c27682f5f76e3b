"""Commands of notify: ``tenohira notify status | retry-failed | mailbox``."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

app = typer.Typer(help="Notifications: email delivery and the local mailbox.", no_args_is_help=True)


@app.command()
def status() -> None:
    """How many emails are created, sending, delivered and failed (JSON)."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database
    from tenohira.notify.service import count_emails

    async def go() -> dict[str, int]:
        try:
            async with get_database(get_settings()).session() as s:
                return await count_emails(s)
        finally:
            await dispose_databases()

    settings = get_settings()
    out = {"transport": "smtp" if settings.smtp_url else "mailbox", "emails": asyncio.run(go())}
    typer.echo(json.dumps(out, indent=2))


@app.command("retry-failed")
def retry_failed_command() -> None:
    """Send failed emails again (those whose address was not yet erased, i.e. never delivered)."""
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database
    from tenohira.notify.service import retry_failed

    async def go() -> int:
        try:
            async with get_database(get_settings()).session() as s:
                return await retry_failed(s)
        finally:
            await dispose_databases()

    typer.echo(f"{asyncio.run(go())} emails queued again")


@app.command()
def mailbox(limit: Annotated[int, typer.Option(help="newest N emails.")] = 10) -> None:
    """The embedded local mailbox (what would have gone out by SMTP), newest first, as JSON lines."""
    from tenohira.core.config import get_settings
    from tenohira.notify.transports import read_mailbox

    for mail in read_mailbox(get_settings().data_dir / "mailbox", limit):
        typer.echo(json.dumps(mail, ensure_ascii=False))
