"""``tenohira vault ...`` commands and ``GET /api/vault/status``."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest
from typer.testing import CliRunner

from tenohira.core import get_settings
from tenohira.vault import close_vaults, open_vault
from tenohira.vault.cli import app
from tenohira.vault.sites import configured_sites


def _prepare(database_url: str) -> bytes:
    from tenohira.core import migrate
    from tenohira.core.db import dispose_databases

    async def go() -> bytes:
        await migrate(database_url)
        vault = await open_vault(get_settings())
        ct = vault.encrypt("R0000001", "R0000001", "name", "田中 一")
        await dispose_databases()
        return ct

    ct = asyncio.run(go())
    close_vaults()
    return ct


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_status_where_rotate_recover_shred(database_url: str) -> None:
    ct = _prepare(database_url)
    runner = CliRunner()

    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "vault ok: 3/3 sites, threshold 2" in result.output
    assert "active key-encryption key: v1" in result.output

    result = runner.invoke(app, ["where", "R0000001"])
    assert result.exit_code == 0, result.output
    assert result.output.count("data key: wrapped under kek-0001") == 3
    assert "share x=2 of kek-0001" in result.output
    data = json.loads(runner.invoke(app, ["where", "R0000001", "--json"]).output)
    assert [s["site"] for s in data["sites"]] == ["east", "west", "north"]

    result = runner.invoke(app, ["rotate", "--batch-size", "1", "--grace", "0"])
    assert result.exit_code == 0, result.output
    assert "rotated v1 → v2: 1 data keys re-wrapped" in result.output
    status = json.loads(runner.invoke(app, ["status", "--json"]).output)
    assert status["active_kek"] == 2 and status["rotation"]["state"] == "done"

    shutil.rmtree(configured_sites(get_settings())[1].path)
    close_vaults()
    result = runner.invoke(app, ["status"])
    assert "vault degraded: 2/3 sites" in result.output and "west     MISSING" in result.output
    result = runner.invoke(app, ["recover-site", "west"])
    assert result.exit_code == 0, result.output
    assert "site west rebuilt: 1 data keys copied" in result.output

    assert runner.invoke(app, ["shred", "R0000001"]).exit_code == 2  # refuses without --yes
    result = runner.invoke(app, ["shred", "R0000001", "--yes"])
    assert result.exit_code == 0, result.output
    assert "destroyed at east, west, north" in result.output
    close_vaults()

    async def after() -> None:
        from tenohira.audit.models import AuditEntry  # the shred is in the transparency log
        from tenohira.core import get_database
        from tenohira.vault import DataShredded

        vault = await open_vault(get_settings())
        with pytest.raises(DataShredded):
            vault.decrypt("R0000001", "R0000001", "name", ct)
        import sqlalchemy as sa

        async with get_database().session() as session:
            types = (await session.scalars(sa.select(AuditEntry.type))).all()
        assert "vault:shred" in types

    asyncio.run(after())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_status_api(database_url: str) -> None:
    from fastapi.testclient import TestClient

    from tenohira.app import create_app

    _prepare(database_url)
    with TestClient(create_app()) as client:
        response = client.get("/api/vault/status")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "ok" and body["threshold"] == 2 and body["active_kek"] == 1
    assert [s["name"] for s in body["sites"]] == ["east", "west", "north"]
    assert "path" not in body["sites"][0]
    assert body["sites"][0]["data_keys"] == {"kek-0001": 1}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_erase_everywhere_command(database_url: str) -> None:
    """Refusals, a dry run and a real run for a person no holder knows (the whole story's erasure is
    in test_nothing_in_clear.py)."""
    _prepare(database_url)
    runner = CliRunner()
    result = runner.invoke(app, ["erase", "R0000999", "--yes"])
    assert result.exit_code == 2 and "--everywhere" in result.output
    result = runner.invoke(app, ["erase", "R0000999", "--everywhere"])
    assert result.exit_code == 2 and "--yes" in result.output

    result = runner.invoke(app, ["erase", "R0000999", "--everywhere", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [h["holder"] for h in report["holders"]] == [
        "registry", "insurer", "hospital", "palm", "notify", "assistant", "supporters", "hub",
    ]  # fmt: skip
    assert {h["outcome"] for h in report["holders"]} == {"no data"} and report["complete"]

    result = runner.invoke(app, ["erase", "R0000999", "--everywhere", "--yes"])
    assert result.exit_code == 0, result.output
    assert "registry   no data" in result.output and "hub        no data" in result.output
    erasure_id = result.output.split("erasure ")[1].split()[0]
    close_vaults()

    async def logged() -> list[tuple[str, dict[str, str]]]:
        import sqlalchemy as sa

        from tenohira.audit.models import AuditEntry
        from tenohira.core import get_database
        from tenohira.core.db import dispose_databases

        async with get_database().session() as s:
            q = sa.select(AuditEntry.subject, AuditEntry.attributes).where(AuditEntry.type == "vault:erase")
            rows = (await s.execute(q)).all()
        await dispose_databases()
        return [(str(r[0]), dict(r[1])) for r in rows]

    ((subject, attributes),) = asyncio.run(logged())  # the dry run logged nothing
    assert subject == erasure_id and attributes["registry"] == "no data:0/0"
    assert attributes["complete"] == "yes"
    assert "R0000999" not in json.dumps(attributes)
