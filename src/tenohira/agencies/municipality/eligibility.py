"""One answer with every municipal fact an eligibility check needs: household and resident-tax status.

The palm's push used to ask ``municipality.household`` and ``municipality.resident-tax-status``
one after the other for every life event (two signed exchanges through the hub, each with its
own log and access-history entry). ``municipality.eligibility-facts`` answers both in one
exchange — the same data, under a legal basis that covers both, recorded once in the resident's
access history (as one exchange that reveals third parties' affairs: the household).

Registration is data at the hub (a service and an access right), made through the hub's admin
API with :data:`SERVICE` and :data:`RIGHTS` (:func:`register`). The palm uses the service when
the hub lists it among the palm's services, and otherwise asks the two separate services.
"""

from __future__ import annotations

from typing import Any

import httpx

MEMBER_ID = "municipality"
NAME = "eligibility-facts"
SERVICE_ID = f"{MEMBER_ID}.{NAME}"
PURPOSE = "eligibility-check"
LEGAL_BASIS = (
    "住民基本台帳法 第7条 / 地方税法 第22条の例外としての番号法 第19条第8号 "
    "（児童手当法 第7条等の認定に必要な世帯・課税情報） (check)"
)

SERVICE: dict[str, Any] = {
    "provider_id": MEMBER_ID,
    "name": NAME,
    "method": "GET",
    "path": "/services/eligibility-facts",
    "legal_basis": LEGAL_BASIS,
    "description": "受給資格の確認に必要な事実（世帯構成と住民税の課税・非課税）を一度に",
    "reveals_third_party": True,
    "openapi": {
        "summary": "Household composition and resident-tax status in one answer",
        "parameters": [
            {
                "name": "Hub-Subject",
                "in": "header",
                "required": True,
                "description": "the person, by the caller's agency code (translated by the hub)",
                "schema": {"type": "string"},
            }
        ],
        "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}},
    },
}
RIGHTS: tuple[dict[str, Any], ...] = (
    {
        "client_id": "palm",
        "service_id": SERVICE_ID,
        "purpose": PURPOSE,
        "legal_basis": "本人の求め（児童手当法 第7条 / 番号法 第19条第16号 相当） (check)",
        "reveals_third_party": True,
    },
)


async def register(admin: httpx.AsyncClient) -> bool:
    """Publish the service and grant the rights through the hub's admin API (idempotent).

    ``admin`` is an HTTP client for the platform root with the hub's admin bearer token. Returns
    True if anything was added.
    """
    added = False
    services = (await admin.get("/hub/admin/services")).raise_for_status().json()
    if not any(s.get("id") == SERVICE_ID for s in services):
        (await admin.post("/hub/admin/services", json=SERVICE)).raise_for_status()
        added = True
    rights = (await admin.get("/hub/admin/rights")).raise_for_status().json()
    for right in RIGHTS:
        if not any(
            r.get("client_id") == right["client_id"]
            and r.get("service_id") == right["service_id"]
            and r.get("purpose") == right["purpose"]
            and r.get("revoked_at") is None
            for r in rights
        ):
            (await admin.post("/hub/admin/rights", json=right)).raise_for_status()
            added = True
    return added
