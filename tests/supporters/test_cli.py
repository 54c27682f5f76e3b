"""``tenohira supporters`` and ``tenohira protection`` (the counter's commands)."""

import json

from typer.testing import CliRunner

from tenohira.cli import app


def test_roles_add_list_end_and_protection() -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["supporters", "add", "--card", "AB12", "--role", "boss", "--name", "x"])
    assert bad.exit_code == 2 and "role" in bad.output
    added = runner.invoke(
        app, ["supporters", "add", "--card", "AB12", "--role", "supporter", "--name", "支援 太郎"]
    )
    assert added.exit_code == 0, added.output
    role_id = added.output.strip()
    listed = json.loads(runner.invoke(app, ["supporters", "roles"]).output)
    assert [r["id"] for r in listed] == [role_id] and listed[0]["bound"] is False
    assert runner.invoke(app, ["supporters", "end", role_id]).exit_code == 0
    assert runner.invoke(app, ["supporters", "end", role_id]).exit_code == 1
    assert json.loads(runner.invoke(app, ["supporters", "roles"]).output) == []

    assert runner.invoke(app, ["protection", "place", "R9999999"]).exit_code == 1
    assert runner.invoke(app, ["protection", "place", "R0000001", "--kind", "nope"]).exit_code == 2
    assert runner.invoke(app, ["protection", "status", "R0000001"]).output.strip() == "not protected"
