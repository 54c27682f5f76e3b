"""``tenohira events status | retry``."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import update
from typer.testing import CliRunner

from tenohira.core import get_database, migrate
from tenohira.core.db import dispose_databases
from tenohira.events import publish
from tenohira.events.cli import app
from tenohira.events.models import OutboxEvent


def test_status_and_retry(database_url: str) -> None:
    async def prepare() -> None:
        await migrate(database_url)
        async with get_database().session() as s:
            await publish(s, "a.b", {"n": 1}, key="k1")
            await publish(s, "a.b", {"n": 2}, key="k2")
        async with get_database().session() as s:  # as if one had failed twice
            await s.execute(
                update(OutboxEvent).where(OutboxEvent.key == "k2").values(attempts=2, last_error="Boom")
            )
        await dispose_databases()

    asyncio.run(prepare())
    runner = CliRunner()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["pending"] == 2 and doc["dispatched"] == 0 and doc["bus"] == "embedded"
    assert [f["key"] for f in doc["failing"]] == ["k2"] and doc["failing"][0]["last_error"] == "Boom"
    result = runner.invoke(app, ["retry"])
    assert result.exit_code == 0 and result.output.startswith("1 ")
