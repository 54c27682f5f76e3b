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


def test_cli_refusals_shows_the_counts(database_url: str) -> None:
    from tenohira.audit.refusals import tally_for

    _prepare(database_url)
    tally = tally_for(get_settings())
    for _ in range(7):
        tally.note("card:auth:failure", "net:192.0.2.0/24", "certificate-invalid")
    tally.note("hub:exchange", "net:198.51.100.0/24", "hub-unsigned")

    async def flush() -> None:
        from tenohira.audit import flush_refusals

        await flush_refusals(get_settings(), everything=True)
        await dispose_databases()

    asyncio.run(flush())
    result = CliRunner().invoke(app, ["refusals"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["7", "card:auth:failure", "net:192.0.2.0/24"]
    assert lines[1].split() == ["1", "hub:exchange", "net:198.51.100.0/24"]
    result = CliRunner().invoke(app, ["refusals", "--json"])
    assert [json.loads(line)["count"] for line in result.output.splitlines()] == ["7", "1"]
