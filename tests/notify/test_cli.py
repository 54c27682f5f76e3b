"""``tenohira notify status | retry-failed | mailbox``."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from tenohira.core import get_database, get_settings, migrate
from tenohira.core.db import dispose_databases
from tenohira.notify import send
from tenohira.notify.cli import app
from tenohira.notify.delivery import deliver_once, make_transport


def test_status_and_mailbox(database_url: str) -> None:
    async def prepare() -> None:
        await migrate(database_url)
        db = get_database()
        async with db.session() as s:
            await send(
                s, recipient="R1", template="generic", language="en",
                params={"subject": "Hello", "body": "Body"}, email="a@example.jp",
            )  # fmt: skip
        settings = get_settings()
        await deliver_once(db, settings, make_transport(settings))
        await dispose_databases()

    asyncio.run(prepare())
    runner = CliRunner()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "transport": "mailbox",
        "emails": {"created": 0, "sending": 0, "delivered": 1, "failed": 0},
    }
    result = runner.invoke(app, ["mailbox"])
    assert json.loads(result.output.splitlines()[0])["subject"] == "Hello"
    result = runner.invoke(app, ["retry-failed"])
    assert result.exit_code == 0 and result.output.startswith("0 ")
