"""``tenohira audit sth | show | verify`` (in-process, each command its own event loop as in a shell)."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import text
from typer.testing import CliRunner

from tenohira.audit.bootstrap import bootstrap
from tenohira.audit.cli import app
from tenohira.core import get_database, get_settings, migrate
from tenohira.core.db import dispose_databases
from tenohira.core.progress import no_progress


def _prepare(url: str) -> None:
    async def go() -> None:
        await migrate(url)
        await bootstrap(get_settings(), no_progress)
        from tenohira.audit import append_event

        async with get_database().session() as s:
            for i in range(6):
                await append_event(s, type="card:issue", actor="municipality:990019", subject=f"card:{i:X}")
        await dispose_databases()

    asyncio.run(go())


def test_cli_sth_show_verify(database_url: str) -> None:
    _prepare(database_url)
    runner = CliRunner()
    result = runner.invoke(app, ["sth"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["tree_size"] == 6

    result = runner.invoke(app, ["show", "--last", "2"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    assert lines[0]["tree_size"] == 6 and lines[0]["latest_sth"]["tree_size"] == 6
    assert [e["leaf_index"] for e in lines[1:]] == [4, 5]

    result = runner.invoke(app, ["show", "--subject", "card:3"])
    assert [json.loads(x)["subject"] for x in result.output.splitlines()[1:]] == ["card:3"]

    result = runner.invoke(app, ["verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.splitlines()[-1])
    assert report["ok"] and report["tree_size"] == 6 and report["tree_heads_checked"] == 2

    async def tamper() -> None:
        async with get_database().engine.begin() as conn:
            await conn.execute(text("UPDATE audit_entries SET subject = 'card:Z' WHERE leaf_index = 2"))
        await dispose_databases()

    asyncio.run(tamper())
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert "INCONSISTENT" in result.output and "leaf 2" in result.output
