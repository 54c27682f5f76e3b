"""``tenohira applications ...``: the state machine table and the counts."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from tenohira.palm.cli import app


def test_states_table() -> None:
    result = CliRunner().invoke(app, ["states"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "withdrawn" in lines["signed"] and "(final)" in lines["notified"]


def test_stats_on_an_empty_database(migrated_db: Any) -> None:
    result = CliRunner().invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []
