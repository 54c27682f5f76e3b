"""Supporters and staff through the running platform (hub, municipality, palm, identity):

- staff review: the queue (from the municipality, through the hub), one case with the rules'
  explanation, a decision with a reason; the resident's application is decided and notified,
  and the staff access shows in the resident's access history;
- a delegation used by a supporter within its scope; suspended under an address-protection
  measure (asked of the municipality through the hub); revoked by the resident; ended by the
  resident's card revocation; every supporter action in the resident's history; roles and 404s.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tests.palm.conftest import Resident, resident

from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.protection import lift_measures, place_measure
from tenohira.core import get_database
from tenohira.core.db import dispose_databases
from tenohira.identity import revoke_card
from tenohira.palm.people import close_palm_clients
from tenohira.supporters.delegations import register_role
from tenohira.supporters.staff import close_clients

MOTHER, SUPPORTER, STAFF = "R0000002", "R0000005", "R0000006"


async def file_queued(mother: Resident) -> dict[str, Any]:
    """未熟児養育医療: decided by staff, so it is queued at the municipality."""
    http = mother.http
    app = (
        await http.post(
            "/api/applications",
            json={
                "procedure": "premature_infant_care",
                "fields": {
                    "child": "newborn",
                    "birth_weight_g": 1900,
                    "medical_opinion": "意見書（紙）",
                    "household_income": 5_000_000,
                },
            },
        )
    ).json()
    assert (await http.post(f"/api/applications/{app['id']}/confirm")).status_code == 200
    assert (await mother.sign_manifest(app["id"])).status_code == 200
    r = await mother.submit(app["id"])
    assert r.status_code == 200 and r.json()["state"] == "queued", r.text
    return dict(r.json())


async def test_staff_review_and_supporter_delegation(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, MOTHER, tmp_path / "mother")
    helper = await resident(live_server.url, SUPPORTER, tmp_path / "supporter")
    clerk = await resident(live_server.url, STAFF, tmp_path / "staff")
    anonymous = httpx.AsyncClient(base_url=live_server.url)
    try:
        async with get_database().session() as s:
            await register_role(
                s,
                role="staff",
                display_name="窓口 職員",
                registered_by="test",
                card_serial=clerk.issued.auth_serial,
            )
        # staff registers the supporter through the API (by the supporter's card)
        r = await clerk.http.post(
            "/api/staff/roles",
            json={
                "card_serial": helper.issued.auth_serial,
                "display_name": "支援 花子",
                "organisation": "社協",
            },
        )
        assert r.status_code == 201, r.text
        supporter_id = r.json()["id"]
        # roles: a resident or a supporter does not even learn the staff routes exist
        assert (await anonymous.get("/api/staff/review")).status_code == 401
        for who in (mother, helper):
            r = await who.http.get("/api/staff/review")
            body = {k: v for k, v in r.json().items() if k != "instance"}
            assert r.status_code == 404 and "detail" not in body and "staff" not in str(body).lower()
        assert (await mother.http.get("/api/supporters/help-requests")).status_code == 404
        r = await clerk.http.post(
            "/api/staff/roles", json={"card_serial": "AB", "display_name": "x", "role": "administrator"}
        )
        assert r.status_code == 404  # only administrators register other roles

        # --- staff review -------------------------------------------------------------------------
        filed = await file_queued(mother)
        got = await clerk.http.get("/api/staff/review")
        assert got.status_code == 200, got.text
        queue = got.json()["items"]
        item = next(i for i in queue if i["application_id"] == filed["id"])
        assert item["deadline"] and item["reasons"] and "name" not in item
        deadlines = [i["deadline"] for i in queue]
        assert deadlines == sorted(deadlines)
        reference = item["reference"]
        case = await clerk.http.get(f"/api/staff/review/{reference}")
        assert case.status_code == 200, case.text
        assert case.json()["explanation"]["benefits"] and case.json()["document"]["birth_weight_g"] == 1900
        assert (await clerk.http.get("/api/staff/review/MA0000000000000000")).status_code == 404
        # the console pages over the same session (bearer works as the cookie does)
        page = await clerk.http.get("/staff")
        assert page.status_code == 200 and f'href="/staff/review/{reference}"' in page.text
        page = await clerk.http.get(f"/staff/review/{reference}")
        assert page.status_code == 200 and f'action="/staff/review/{reference}/decision"' in page.text
        assert "1,900グラム" in page.text and 'data-idle-minutes="5"' in page.text
        bad = await clerk.http.post(
            f"/api/staff/review/{reference}/decision", json={"decision": "ok", "reason_ja": ""}
        )
        assert bad.status_code == 422
        done = await clerk.http.post(
            f"/api/staff/review/{reference}/decision",
            json={
                "decision": "approved",
                "reason_ja": "医師の意見書により養育医療が必要と認めます。",
                "reason_en": "Needed.",
            },
        )
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "notified"
        app = (await mother.http.get(f"/api/applications/{filed['id']}")).json()
        assert app["decision"]["status"] == "approved" and app["decision"]["decided_by"] == "staff"
        again = await clerk.http.post(
            f"/api/staff/review/{reference}/decision", json={"decision": "rejected", "reason_ja": "再"}
        )
        assert again.status_code == 404  # decided cases leave the queue
        inbox = (await mother.http.get("/api/notify/inbox")).json()
        assert any(filed["id"] in str(m) for m in inbox.get("messages", inbox.get("items", [])))
        history = (await mother.http.get("/api/palm/access-history")).json()["entries"]
        assert any(e.get("purpose") == "staff-review" for e in history), history

        # --- a delegation, used within its scope ------------------------------------------------------
        expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        r = await mother.http.post(
            "/api/supporters/delegations",
            json={
                "supporter_id": supporter_id,
                "procedures": ["premature_infant_care"],
                "mode": "read",
                "expires_at": expires,
            },
        )
        assert r.status_code == 201, r.text
        delegation = r.json()["id"]
        seen = await helper.http.get(f"/api/supporters/delegations/{delegation}/applications")
        assert seen.status_code == 200, seen.text
        assert [a["procedure"] for a in seen.json()["applications"]] == ["premature_infant_care"]
        r = await helper.http.post(
            f"/api/supporters/delegations/{delegation}/prepare",
            json={"procedures": ["premature_infant_care"]},
        )
        assert r.status_code == 404  # read-only
        assert (
            await clerk.http.get(f"/api/supporters/delegations/{delegation}/applications")
        ).status_code == 404

        # address protection (支援措置) suspends it, lifting restores it
        async with get_database().session() as s:
            await place_measure(s, MOTHER, kind="dv")
        assert (
            await helper.http.get(f"/api/supporters/delegations/{delegation}/applications")
        ).status_code == 404
        async with get_database().session() as s:
            await lift_measures(s, MOTHER)
        assert (
            await helper.http.get(f"/api/supporters/delegations/{delegation}/applications")
        ).status_code == 200

        # the resident sees every supporter action, with the supporter's name
        actions = (await mother.http.get("/api/supporters/actions")).json()["entries"]
        assert any(a["client_name"] == "支援員 支援 花子" for a in actions)

        # revoked by the resident
        assert (await mother.http.post(f"/api/supporters/delegations/{delegation}/revoke")).status_code == 200
        assert (
            await helper.http.get(f"/api/supporters/delegations/{delegation}/applications")
        ).status_code == 404
        assert (await helper.http.post(f"/api/supporters/delegations/{delegation}/revoke")).status_code == 404

        # a new one, ended by the resident's card revocation
        r = await mother.http.post(
            "/api/supporters/delegations",
            json={
                "supporter_id": supporter_id,
                "procedures": ["premature_infant_care"],
                "mode": "file",
                "expires_at": expires,
            },
        )
        second = r.json()["id"]
        assert (
            await helper.http.get(f"/api/supporters/delegations/{second}/applications")
        ).status_code == 200
        # the supporter prepares, the resident is told and signs (the supporter cannot)
        r = await helper.http.post(
            f"/api/supporters/delegations/{second}/prepare", json={"procedures": ["premature_infant_care"]}
        )
        assert r.status_code == 201, r.text
        bundle = r.json()["bundle"]
        assert r.json()["to_sign_by"] == "resident"
        assert (await mother.http.get(f"/api/applications/bundles/{bundle}")).status_code == 200
        assert (await helper.http.get(f"/api/applications/bundles/{bundle}")).status_code == 404
        inbox = (await mother.http.get("/api/notify/inbox")).json()
        assert f"/bundles/{bundle}" in str(inbox)
        r = await helper.http.post(
            f"/api/supporters/delegations/{second}/prepare", json={"procedures": ["child_allowance_claim"]}
        )
        assert r.status_code == 404  # outside the delegated procedures
        async with get_database().session() as s:
            await revoke_card(s, serial=mother.issued.auth_serial, reason="lost")
        assert (
            await helper.http.get(f"/api/supporters/delegations/{second}/applications")
        ).status_code == 404
        mine = (await helper.http.get("/api/supporters/mine")).json()["delegations"]
        assert second not in [d["id"] for d in mine]
    finally:
        for http in (mother.http, helper.http, clerk.http, anonymous):
            await http.aclose()
        await close_palm_clients()
        await close_clients()
        await close_member_clients()
        await dispose_databases()
