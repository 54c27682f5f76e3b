"""``municipality.eligibility-facts``: household and resident-tax status in one exchange through the hub."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.eligibility import PURPOSE, SERVICE_ID
from tenohira.core import get_settings
from tenohira.core.db import dispose_databases
from tenohira.hub.runtime import admin_token_path
from tests.agencies.municipality.test_through_hub import _palm_code_for


def admin_client(url: str) -> httpx.AsyncClient:
    token = admin_token_path(get_settings()).read_text().strip()
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"})


async def withdraw_combined(admin: httpx.AsyncClient) -> int:
    """Revoke the palm's right to the combined service through the hub's admin API (as an operator
    would); returns how many rights were revoked."""
    rights = (await admin.get("/hub/admin/rights")).raise_for_status().json()
    revoked = 0
    for right in rights:
        if right["service_id"] == SERVICE_ID and right["client_id"] == "palm" and not right.get("revoked_at"):
            (await admin.delete(f"/hub/admin/rights/{right['id']}")).raise_for_status()
            revoked += 1
    return revoked


async def test_one_exchange_answers_what_the_two_answer(live_server: Any) -> None:
    palm, father = await _palm_code_for("R0000001")
    try:
        # published and granted by the hub's bootstrap
        listed = {s["id"]: s for s in await palm.services()}
        assert PURPOSE in {p["purpose"] for p in listed[SERVICE_ID]["purposes"]}

        both = (await palm.call(SERVICE_ID, subject_code=father, purpose=PURPOSE)).raise_for_problem()
        household = (
            await palm.call("municipality.household", subject_code=father, purpose=PURPOSE)
        ).raise_for_problem()
        tax = (
            await palm.call("municipality.resident-tax-status", subject_code=father, purpose=PURPOSE)
        ).raise_for_problem()
        assert both.json() == {"household": household.json(), "resident_tax_status": tax.json()}

        # the resident sees the combined exchange once, marked as revealing third parties' affairs
        entries: list[dict[str, Any]] = []
        for _ in range(50):  # the hub writes access history in small batches
            entries = [h for h in await palm.history(father) if h["exchange_id"] == both.exchange_id]
            if entries:
                break
            await asyncio.sleep(0.1)
        assert len(entries) == 1
        assert entries[0]["service"] == SERVICE_ID and entries[0]["outcome"] == "answered"
        assert entries[0]["third_party"] is True and entries[0]["purpose"] == PURPOSE

        # another purpose is refused before the municipality sees anything
        assert (await palm.call(SERVICE_ID, subject_code=father, purpose="prefill")).status == 403
        # an operator withdraws the right: refused at once, no longer listed
        async with admin_client(live_server.url) as admin:
            assert await withdraw_combined(admin) == 1
        assert (await palm.call(SERVICE_ID, subject_code=father, purpose=PURPOSE)).status == 403
        assert SERVICE_ID not in {s["id"] for s in await palm.services()}
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
