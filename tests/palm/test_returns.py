"""Queued for staff, and sent back by the agency (nothing filed; corrected and filed again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenohira.agencies.membership import close_member_clients
from tenohira.core.db import dispose_databases
from tenohira.credentials import generate_key, present, public_jwk
from tenohira.palm.people import close_palm_clients
from tests.palm.conftest import resident


async def test_queued_for_staff_and_sent_back_by_the_agency(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        # 未熟児養育医療 is decided by staff: queued, the resident is told
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
        assert app["missing"] == [], app["missing"]
        assert (await http.post(f"/api/applications/{app['id']}/confirm")).status_code == 200
        assert (await mother.sign_manifest(app["id"])).status_code == 200
        r = await mother.submit(app["id"])
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "queued" and r.json()["decision"]["decided_by"] == "staff"
        assert (await http.post(f"/api/applications/{app['id']}/withdraw")).status_code == 409

        # a birth notification whose presentation nonce the municipality did not issue
        wallet = generate_key()
        cert = (
            await http.post(
                "/api/applications/credentials/birth-certificate", json={"holder_jwk": public_jwk(wallet)}
            )
        ).json()["certificates"][0]["credential"]
        nonce = (await http.get("/api/applications/credentials/presentation-nonce")).json()
        forged_nonce = "1.abc.0000"
        fields = {
            "child_name": "陽葵",
            "child_name_kana": "ひまり",
            "relation_to_child": "mother",
            "birth_certificate": present(
                cert, holder_key=wallet, audience=nonce["audience"], nonce=forged_nonce, disclose=None
            ),
            "presentation_nonce": forged_nonce,
        }
        bn = (
            await http.post("/api/applications", json={"procedure": "birth_notification", "fields": fields})
        ).json()
        assert (await http.post(f"/api/applications/{bn['id']}/confirm")).status_code == 200
        assert (await mother.sign_manifest(bn["id"])).status_code == 200
        r = await mother.submit(bn["id"])
        assert r.status_code == 422 and r.json()["type"].endswith("application-refused-by-agency")
        assert r.json()["errors"][0]["field"] == "nonce" and r.json()["errors"][0]["message_ja"]
        back = (await http.get(f"/api/applications/{bn['id']}")).json()
        assert back["state"] == "prefilled" and back["document_sha256"] is None
        # a message on something the resident cannot edit (the nonce) never blocks the form
        assert "nonce" not in {m["field"] for m in back["missing"]}

        # corrected: a fresh presentation over the municipality's own nonce, confirmed and signed again
        fields["birth_certificate"] = present(
            cert, holder_key=wallet, audience=nonce["audience"], nonce=nonce["nonce"], disclose=None
        )
        fields["presentation_nonce"] = nonce["nonce"]
        assert (await http.patch(f"/api/applications/{bn['id']}", json={"fields": fields})).status_code == 200
        assert (await http.post(f"/api/applications/{bn['id']}/confirm")).status_code == 200
        assert (await mother.sign_manifest(bn["id"])).status_code == 200
        r = await mother.submit(bn["id"])
        assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
        path = [
            h["to_state"] for h in (await http.get(f"/api/applications/{bn['id']}/history")).json()["history"]
        ]
        assert path == [
            "draft",
            "prefilled",
            "confirmed",
            "signed",
            "prefilled",
            "confirmed",
            "signed",
            "submitted",
            "decided",
            "notified",
        ]
    finally:
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()


async def test_two_submits_at_once_record_one_filing(live_server: Any, tmp_path: Path) -> None:
    import asyncio

    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        answers = {
            "bank_account": {"bank": "手のひら銀行", "branch": "本店", "type": "普通", "number": "7654321"},
            "supported_older_children": 0,
        }
        app = (
            await http.post(
                "/api/applications", json={"procedure": "child_allowance_claim", "fields": answers}
            )
        ).json()
        assert app["missing"] == [], app["missing"]
        assert (await http.post(f"/api/applications/{app['id']}/confirm")).status_code == 200
        assert (await mother.sign_manifest(app["id"])).status_code == 200
        first, second = await asyncio.gather(
            mother.submit(app["id"], "same-key"), mother.submit(app["id"], "same-key")
        )
        assert {first.status_code, second.status_code} <= {200, 503}, (first.text, second.text)
        assert 200 in (first.status_code, second.status_code)
        final = await mother.submit(app["id"], "same-key")
        assert final.status_code == 200 and final.json()["status"] in ("approved", "rejected")
        history = (await http.get(f"/api/applications/{app['id']}/history")).json()["history"]
        assert [h["to_state"] for h in history].count("submitted") == 1
        inbox = (await http.get("/api/notify/inbox")).json()["messages"]
        assert len(inbox) == 1  # told once
    finally:
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()
