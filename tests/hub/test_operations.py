"""Operating the hub: CLI changes take effect at once, log modes, the standalone app."""

from __future__ import annotations

from typing import Any

import httpx
from typer.testing import CliRunner


async def test_cli_suspension_is_refused_at_once(hub_server: Any) -> None:
    import asyncio

    from tenohira.hub.cli import app

    runner = CliRunner()
    async with hub_server.client("hospital") as hospital:
        assert (await hospital.send("GET", "/services")).ok
        result = await asyncio.to_thread(
            runner.invoke, app, ["member", "suspend", "hospital", "--reason", "test"]
        )
        assert result.exit_code == 0, result.output
        answer = await hospital.send("GET", "/services")  # no waiting for the snapshot to age
        assert answer.problem["type"].endswith("hub-member-suspended")
        listed = await asyncio.to_thread(runner.invoke, app, ["member", "list", "--json"])
        assert '"status": "suspended"' in listed.output
        await asyncio.to_thread(runner.invoke, app, ["member", "resume", "hospital"])
        assert (await hospital.send("GET", "/services")).ok


async def test_metadata_only_members_leave_no_digests(hub_server: Any) -> None:
    import sqlalchemy as sa

    from tenohira.audit.models import AuditEntry
    from tenohira.core import get_database
    from tenohira.core.db import dispose_databases

    admin = {"authorization": f"Bearer {hub_server.admin_token}"}
    async with httpx.AsyncClient(base_url=hub_server.hub_url) as http:
        r = await http.post("/admin/members/palm/log-mode", json={"log_mode": "metadata-only"}, headers=admin)
        assert r.status_code == 200 and r.json()["log_mode"] == "metadata-only"
    async with hub_server.client("municipality") as muni, hub_server.client("palm") as palm:
        code = await muni.register_subject()
        await muni.link_card(code, "CARD-META")
        palm_code = await palm.resolve_card("CARD-META")
        answer = await palm.call("municipality.basic-facts", subject_code=palm_code, purpose="prefill")
        assert answer.ok
    async with get_database().session() as session:
        rows = (await session.scalars(sa.select(AuditEntry).where(AuditEntry.type == "hub:exchange"))).all()
    await dispose_databases()
    assert rows and all("request_sha256" not in str(r.attributes) for r in rows)


async def test_hub_runs_standalone(hub_server: Any) -> None:
    """The same app at the root of its own server (here in-process), signed calls and health."""
    from tenohira.core import get_settings
    from tenohira.hub import HubClient, load_member_credentials
    from tenohira.hub.app import create_app

    app = create_app(get_settings(), background=False)
    transport = httpx.ASGITransport(app)
    credentials = load_member_credentials(get_settings(), "palm")
    async with HubClient.from_credentials(credentials, "http://hub.internal", transport=transport) as palm:
        services = await palm.services()
    assert {s["id"] for s in services} >= {"municipality.basic-facts", "insurer.lump-sum"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.internal") as http:
        assert (await http.get("/health")).json()["checks"]["keys"]["status"] == "ok"


async def test_expired_member_certificate_is_refused(hub_server: Any) -> None:
    import datetime as dt

    import sqlalchemy as sa

    from tenohira.core import get_database, get_settings
    from tenohira.core.db import dispose_databases
    from tenohira.hub.models import Member
    from tenohira.hub.runtime import touch_directory_stamp

    async with get_database().session() as session:
        await session.execute(
            sa.update(Member)
            .where(Member.id == "hospital")
            .values(certificate_not_after=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
    await dispose_databases()
    touch_directory_stamp(get_settings())
    async with hub_server.client("hospital") as hospital:
        answer = await hospital.send("GET", "/services")
    assert answer.status == 403 and answer.problem["type"].endswith("hub-certificate-invalid")
    async with httpx.AsyncClient() as http:
        health = (await http.get(hub_server.hub_url + "/health")).json()
    assert health["checks"]["certificates"]["status"] == "fail"
    assert "hospital" in health["checks"]["certificates"]["detail"]
