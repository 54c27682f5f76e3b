"""Push asks the municipality once (``municipality.eligibility-facts``) when the hub lists the service.

Same birth, same notices as with the separate questions; two hub exchanges instead of three,
each in the resident's access history.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.eligibility import SERVICE_ID
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.hub.models import AccessHistoryEntry
from tenohira.palm.people import close_palm_clients
from tenohira.palm.push.models import Notice
from tests.agencies.municipality.test_eligibility_facts import admin_client, withdraw_combined
from tests.palm.conftest import resident
from tests.palm.test_push import file_birth, wait_for_notices


async def _exchanges_of_push(live_server: Any, tmp_path: Path) -> tuple[list[str], list[str]]:
    """File a birth as the mother; the hub exchanges push made and their services (access history)."""
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        await file_birth(mother)
        notices = await wait_for_notices(http)
        procedures = {n["procedure"] for n in notices}
        assert {"child_allowance_revision", "child_medical_subsidy"} <= procedures
        db = get_database(get_settings())
        async with db.session() as s:
            stored = (await s.scalars(sa.select(Notice))).all()
        exchanges = list(stored[0].facts["hub_exchanges"])
        assert all(n.facts["hub_exchanges"] == exchanges for n in stored)
        assert stored[0].facts["resident_tax_status"]  # the tax status came with the household
        history: list[AccessHistoryEntry] = []
        for _ in range(50):  # the hub writes access history in small batches
            async with db.session() as s:
                query = sa.select(AccessHistoryEntry).where(AccessHistoryEntry.exchange_id.in_(exchanges))
                history = list((await s.scalars(query)).all())
            if len(history) >= len(exchanges):
                break
            await asyncio.sleep(0.1)
        assert all(h.purpose == "eligibility-check" for h in history)
        return exchanges, sorted(h.service_id for h in history)
    finally:
        await http.aclose()
        await close_member_clients()
        await close_palm_clients()
        await dispose_databases()


async def test_push_uses_one_municipal_exchange_when_listed(live_server: Any, tmp_path: Path) -> None:
    # the hub's bootstrap publishes the combined service and grants it to the palm
    exchanges, services = await _exchanges_of_push(live_server, tmp_path)
    assert len(exchanges) == 2
    assert services == ["insurer.insurance-type", SERVICE_ID]


async def test_push_asks_separately_when_the_right_is_withdrawn(live_server: Any, tmp_path: Path) -> None:
    async with admin_client(live_server.url) as admin:
        assert await withdraw_combined(admin) == 1
    exchanges, services = await _exchanges_of_push(live_server, tmp_path)
    assert len(exchanges) == 3
    separate = ["municipality.household", "municipality.resident-tax-status"]
    assert services == ["insurer.insurance-type", *separate]
