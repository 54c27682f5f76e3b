"""The deciding agencies verify before they decide: tampered document, digest not in the manifest,
a manifest altered after signing, someone else's signature, a revoked certificate; a retry is one filing."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.intake_models import ReceivedApplication
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.core.signed_documents import ManifestEntry, build_document, build_manifest, sha256_hex
from tenohira.hub import HubClient, load_member_credentials
from tenohira.identity import revoke_card
from tests.palm.conftest import PASSWORD, card_for


def _document(app_id: str, procedure: str = "child_allowance_claim", agency: str = "municipality") -> bytes:
    return build_document(
        application_id=app_id,
        procedure=procedure,
        deciding_agency=agency,
        fields={"claimant": "hub-subject", "household": "household"},
        flags=[],
        prepared_at="2026-11-26T09:00:00+00:00",
    )


def _manifest(*docs: tuple[str, str, str, bytes]) -> bytes:
    return build_manifest(
        "S-test", [ManifestEntry(a, p, g, sha256_hex(d)) for a, p, g, d in docs], "2026-11-26T09:00:00+00:00"
    )


def _body(app_id: str, document: bytes, manifest: bytes, signature: bytes, procedure: str) -> dict[str, str]:
    return {
        "application_id": app_id,
        "procedure": procedure,
        "document": base64.b64encode(document).decode(),
        "manifest": base64.b64encode(manifest).decode(),
        "signature": base64.b64encode(signature).decode(),
    }


async def test_agencies_verify_signature_manifest_and_certificate(live_server: Any, tmp_path: Path) -> None:
    settings = get_settings()
    mother_card, mother = await card_for("R0000002", tmp_path / "mother")
    father_card, _ = await card_for("R0000001", tmp_path / "father")
    palm = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)
    try:
        code = await palm.resolve_card(mother.auth_serial)

        async def file(body: dict[str, str], agency: str = "municipality") -> Any:
            return await palm.call(
                f"{agency}.application-intake", subject_code=code, purpose="application", json=body
            )

        # one signature over two documents for two agencies: each agency checks only its own
        doc = _document("A-ok")
        other = _document("A-ins", "maternity_allowance", "insurer")
        manifest = _manifest(
            ("A-ok", "child_allowance_claim", "municipality", doc),
            ("A-ins", "maternity_allowance", "insurer", other),
        )
        signature = mother_card.sign(PASSWORD, manifest)

        tampered = doc.replace(b"household", b"househole")
        r = await file(_body("A-ok", tampered, manifest, signature, "child_allowance_claim"))
        assert r.status == 422 and r.json()["reason"] == "digest-not-in-manifest", r.json()

        unsigned = _document("A-ok")  # a fresh document under the same id: its digest is not listed
        r = await file(_body("A-ok", unsigned, manifest, signature, "child_allowance_claim"))
        assert r.status == 422 and r.json()["reason"] == "digest-not-in-manifest"

        # the insurer's document sent to the municipality
        r = await file(_body("A-ins", other, manifest, signature, "maternity_allowance"))
        assert r.status == 422 and r.json()["type"].endswith("procedure-not-handled")

        forged = manifest.replace(b"S-test", b"S-tesT")  # altered after signing
        r = await file(_body("A-ok", doc, forged, signature, "child_allowance_claim"))
        # identity's refusal keeps its own status (401 for a signature that does not verify)
        assert r.status in (401, 422) and r.json()["reason"] == "signature-invalid", r.json()

        someone_else = father_card.sign(PASSWORD, manifest)
        r = await file(_body("A-ok", doc, manifest, someone_else, "child_allowance_claim"))
        assert r.status == 403 and r.json()["type"].endswith("signer-not-subject")

        # accepted once; a retry returns the first answer and files nothing new
        r = await file(_body("A-ok", doc, manifest, signature, "child_allowance_claim"))
        assert r.status == 201, r.json()
        first = r.json()
        assert (
            first["status"] in ("approved", "rejected") and first["legal_basis"] and first["reasons"][0]["en"]
        )
        r = await file(_body("A-ok", doc, manifest, signature, "child_allowance_claim"))
        assert r.json()["reference"] == first["reference"] and r.json()["replayed"] is True

        # the insurer verifies the same signature over the same manifest for its own document
        r = await file(_body("A-ins", other, manifest, signature, "maternity_allowance"), agency="insurer")
        assert r.status == 201, r.json()
        assert r.json()["status"] in ("approved", "rejected") and r.json()["decided_by"] == "rules"

        async with get_database(settings).session() as session:
            stored = (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(ReceivedApplication)
                    .where(ReceivedApplication.client_reference == "A-ok")
                )
            ).scalar_one()
        assert stored == 1

        # revoked signing certificate: refused by the CRL the agency fetches
        sign_serial = mother.sign_serial
        async with get_database(settings).session() as session:
            await revoke_card(session, serial=sign_serial, reason="facts-changed")
        doc2 = _document("A-late")
        manifest2 = _manifest(("A-late", "child_allowance_claim", "municipality", doc2))
        r = await file(
            _body("A-late", doc2, manifest2, mother_card.sign(PASSWORD, manifest2), "child_allowance_claim")
        )
        assert r.status in (401, 403, 422) and r.json()["reason"] == "certificate-revoked", r.json()
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
