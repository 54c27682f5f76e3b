"""Applications through the running platform: every transition, refusal and the idempotent submit."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenohira.agencies.membership import close_member_clients
from tenohira.audit.models import AuditEntry
from tenohira.core import get_database
from tenohira.core.db import dispose_databases
from tenohira.credentials import generate_key, present, public_jwk
from tenohira.palm.people import close_palm_clients
from tests.palm.conftest import errors_by_field, resident


async def test_birth_notification_life_and_refusals(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    father = await resident(live_server.url, "R0000001", tmp_path / "father")
    http = mother.http
    try:
        assert (await http.get("/api/applications", headers={"Authorization": ""})).status_code == 401
        r = await http.post("/api/applications", json={"procedure": "no_such_thing"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert errors_by_field(r.json())["procedure"]["message_ja"]

        # draft → prefilled: the filer's facts come from the municipality through the hub
        r = await http.post(
            "/api/applications",
            json={
                "procedure": "birth_notification",
                "fields": {"child_name": "𠮷太", "child_name_kana": "Kichita"},
            },
        )
        assert r.status_code == 201, r.text
        app = r.json()
        assert app["state"] == "prefilled"
        assert app["sources"]["filer_name"] == "municipality.basic-facts"
        assert app["fields"]["mother_resident"] == "hub-subject"
        assert "child_name" in app["asked"] and "filer_name" not in app["asked"]

        # not yet: signing, submitting, confirming with errors
        assert (await http.get(f"/api/applications/{app['id']}/manifest")).status_code == 409
        assert (await mother.submit(app["id"])).status_code == 409
        no_key = await http.post(f"/api/applications/{app['id']}/submit")
        assert no_key.status_code == 422 and no_key.json()["type"].endswith("idempotency-key-required")
        r = await http.post(f"/api/applications/{app['id']}/confirm")
        assert r.status_code == 422
        errors = errors_by_field(r.json())
        assert "𠮷" in errors["child_name"]["message_ja"] and "𠮷" in errors["child_name"]["message"]
        assert errors["child_name_kana"]["message"].startswith("Write the reading in hiragana or katakana")
        assert errors["birth_certificate"]["message"] == "The birth certificate from the hospital is missing"
        held = await http.patch(f"/api/applications/{app['id']}", json={"fields": {"filer_name": "別人"}})
        assert held.status_code == 422 and "filer_name" in errors_by_field(held.json())

        # the hospital's certificate, presented with key binding over the municipality's nonce
        wallet = generate_key()
        certs = await http.post(
            "/api/applications/credentials/birth-certificate", json={"holder_jwk": public_jwk(wallet)}
        )
        assert certs.status_code == 200, certs.text
        nonce = (await http.get("/api/applications/credentials/presentation-nonce")).json()
        presentation = present(
            certs.json()["certificates"][0]["credential"],
            holder_key=wallet,
            audience=nonce["audience"],
            nonce=nonce["nonce"],
            disclose=["sex", "birth_datetime", "birth_place", "certifier", "mother_name", "birth_weight_g"],
        )
        r = await http.patch(
            f"/api/applications/{app['id']}",
            json={
                "fields": {
                    "child_name": "陽葵",
                    "child_name_kana": "ひまり",
                    "relation_to_child": "mother",
                    "birth_certificate": presentation,
                    "presentation_nonce": nonce["nonce"],
                }
            },
        )
        app = r.json()
        assert app["sources"]["birth_date"] == "hospital.birth-certificate (presented)"
        assert app["missing"] == []
        app = (await http.post(f"/api/applications/{app['id']}/confirm")).json()
        assert app["state"] == "confirmed" and app["document_sha256"]
        # an edit after confirming sends it back to prefilled; confirm again
        app = (
            await http.patch(f"/api/applications/{app['id']}", json={"fields": {"child_name": "陽葵"}})
        ).json()
        assert app["state"] == "prefilled" and app["document_sha256"] is None
        app = (await http.post(f"/api/applications/{app['id']}/confirm")).json()

        # a signature over other bytes, or by another card over these bytes from another set, is refused
        bad = await http.post(
            f"/api/applications/{app['id']}/signature", json={"signature": mother.sign(b"something else")}
        )
        assert bad.status_code == 422 and bad.json()["reason"] == "signature-invalid"
        assert bad.json()["errors"][0]["field"] == "signature"
        r = await mother.sign_manifest(app["id"])
        assert r.status_code == 200 and r.json()["state"] == "signed", r.text
        assert (await http.post(f"/api/applications/{app['id']}/confirm")).status_code == 409

        # the father cannot see it
        assert (await father.http.get(f"/api/applications/{app['id']}")).status_code == 404

        key = str(uuid.uuid4())
        first = await mother.submit(app["id"], key)
        assert first.status_code == 200, first.text
        done = first.json()
        assert done["state"] == "notified" and done["status"] == "accepted"
        assert done["decision"]["child"]["name_kana"].endswith("ヒマリ")
        assert "child_ticket" not in done["decision"] and done["decision"]["child_code"]
        again = (await mother.submit(app["id"], key)).json()
        assert again["agency_reference"] == done["agency_reference"]

        # the same key for another application is refused; withdrawing a decided one too
        other = (await http.post("/api/applications", json={"procedure": "child_allowance_claim"})).json()
        assert (await mother.submit(other["id"], key)).status_code == 409
        assert (await http.post(f"/api/applications/{app['id']}/withdraw")).status_code == 409
        gone = await http.post(f"/api/applications/{other['id']}/withdraw", json={"reason": "not now"})
        assert gone.json()["state"] == "withdrawn"
        assert (await http.post(f"/api/applications/{other['id']}/confirm")).status_code == 409

        history = (await http.get(f"/api/applications/{app['id']}/history")).json()["history"]
        path = [h["to_state"] for h in history]
        assert path == [
            "draft",
            "prefilled",
            "confirmed",
            "prefilled",
            "confirmed",
            "signed",
            "submitted",
            "decided",
            "notified",
        ]
        assert path.count("submitted") == 1  # filed once despite the retry
        mine = (await http.get("/api/applications")).json()["applications"]
        assert {a["id"] for a in mine} == {app["id"], other["id"]}

        async with get_database().session() as session:
            events = (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.type.like("application:%"), AuditEntry.subject == app["id"])
                )
            ).scalar_one()
        assert events == len(history)

        history_doc = (await http.get("/api/palm/access-history")).json()
        access = history_doc["entries"]
        assert {"municipality.application-intake", "hospital.birth-certificate"} <= {
            e["service"] for e in access
        }
        # beside the history, the log's checkpoint for the resident's device to keep (signed by the log)
        from tenohira.audit.note import SignedCheckpoint
        from tenohira.audit.witnessing import log_verifier
        from tenohira.core import get_settings

        kept = SignedCheckpoint.parse(history_doc["audit_checkpoint"])
        assert kept.signed_by(log_verifier(get_settings()))
    finally:
        await mother.http.aclose()
        await father.http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()
