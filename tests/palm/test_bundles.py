"""Do them for me: one signature over a set; an interrupted filing resumes and never files twice."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tenohira.agencies.insurer.intake_models import ReceivedApplication as InsurerReceived
from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.intake_models import ReceivedApplication as MuniReceived
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.hub.runtime import admin_token_path
from tenohira.palm.applications import _flag_late
from tenohira.palm.people import close_palm_clients
from tenohira.procedures import load_catalogue
from tests.palm.conftest import resident

ANSWERS = {
    "bank_account": {"bank": "手のひら銀行", "branch": "本店", "type": "普通", "number": "7654321"},
    "supported_older_children": 0,
    "due_date": "2026-11-20",
    "birth_date": "2026-11-22",
    "leave_from": "2026-10-10",
    "leave_to": "2027-01-15",
    "salary_paid": 0,
    "number_of_babies": 1,
}


async def _count(model: Any, ids: list[str]) -> int:
    async with get_database().session() as session:
        return int(
            (
                await session.execute(
                    sa.select(sa.func.count()).select_from(model).where(model.client_reference.in_(ids))
                )
            ).scalar_one()
        )


async def test_one_signature_files_the_set_and_resumes_after_an_outage(
    database_url: str, live_server: Any, tmp_path: Path
) -> None:
    # database_url first: the platform runs on SQLite and, when configured, on PostgreSQL
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    admin = httpx.AsyncClient(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {admin_token_path(get_settings()).read_text().strip()}"},
    )
    http = mother.http
    try:
        procedures = ["child_allowance_claim", "maternity_allowance", "childcare_leave_benefit"]
        r = await http.post("/api/applications/bundles", json={"procedures": procedures})
        assert r.status_code == 201, r.text
        bundle = r.json()
        assert bundle["state"] == "incomplete" and bundle["manifest"] is None
        states = {a["procedure"]: a["state"] for a in bundle["applications"]}
        assert states["childcare_leave_benefit"] == "handed_over"  # Hello Work: prepared, not filed
        missing = {m["field"] for a in bundle["applications"] for m in a["missing"]}
        assert "bank_account" in missing

        # signing an incomplete set is refused
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": mother.sign(b"x" * 20)}
        )
        assert r.status_code == 409

        bundle = (
            await http.patch(f"/api/applications/bundles/{bundle['id']}", json={"answers": ANSWERS})
        ).json()
        assert bundle["state"] == "open", [(a["procedure"], a["missing"]) for a in bundle["applications"]]
        manifest = base64.b64decode(bundle["manifest"])
        listed = {a["id"] for a in bundle["applications"] if a["state"] == "confirmed"}
        assert len(listed) == 2 and all(a.encode() in manifest for a in listed)

        # the insurer is out of reach (the palm's right is withdrawn at the hub) during the filing
        rights = (await admin.get("/hub/admin/rights")).json()
        right = next(
            x for x in rights if x["client_id"] == "palm" and x["service_id"] == "insurer.application-intake"
        )
        assert (await admin.delete(f"/hub/admin/rights/{right['id']}")).status_code in (200, 204)
        signature = mother.sign(manifest)
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
        )
        assert r.status_code == 200, r.text
        partial = {a["procedure"]: a for a in r.json()["applications"]}
        assert partial["child_allowance_claim"]["state"] in ("notified", "queued")
        assert partial["maternity_allowance"]["state"] == "signed"
        assert r.json()["state"] == "signed"

        # back: the same signature again resumes; nothing is filed twice
        r = await admin.post(
            "/hub/admin/rights",
            json={
                "client_id": "palm",
                "service_id": "insurer.application-intake",
                "purpose": "application",
                "legal_basis": right["legal_basis"],
            },
        )
        assert r.status_code in (200, 201), r.text
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
        )
        done = r.json()
        assert done["state"] == "submitted", done
        final = {a["procedure"]: a for a in done["applications"]}
        assert final["maternity_allowance"]["status"] in ("approved", "rejected")
        assert (
            final["child_allowance_claim"]["agency_reference"]
            == partial["child_allowance_claim"]["agency_reference"]
        )
        assert await _count(MuniReceived, list(listed)) == 1
        assert await _count(InsurerReceived, list(listed)) == 1

        # a different signature on a signed set is refused
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": mother.sign(b"other")}
        )
        assert r.status_code == 409
        # decisions carry reasons in both languages and the legal basis
        decision = final["child_allowance_claim"]["decision"]
        assert decision["reasons"][0]["ja"] and decision["reasons"][0]["en"] and decision["legal_basis"]
        inbox = (await http.get("/api/notify/inbox")).json()
        assert len(inbox["messages"]) >= 2
    finally:
        await admin.aclose()
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()


def test_a_late_birth_notification_is_flagged() -> None:
    from types import SimpleNamespace

    procedure = load_catalogue().get("birth_notification")
    # only fields and flags are read: a stand-in keeps this independent of how rows are stored
    app = SimpleNamespace(fields={"birth_date": (date.today() - timedelta(days=40)).isoformat()}, flags=[])
    _flag_late(procedure, app)  # type: ignore[arg-type]
    assert app.flags == ["late"]
    app.fields = {"birth_date": date.today().isoformat()}
    _flag_late(procedure, app)  # type: ignore[arg-type]
    assert app.flags == []
