"""kill -9 while a set is being filed, then a restart and the same signature again: every
application filed exactly once (the agencies' records and the palm's history agree)."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tenohira.agencies.insurer.intake_models import ReceivedApplication as InsurerReceived
from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.intake_models import ReceivedApplication as MuniReceived
from tenohira.core import get_database, reset_settings
from tenohira.core.db import dispose_databases
from tenohira.palm.models import Application, HistoryEntry
from tenohira.scenarios.instance import Instance, start_embedded
from tests.palm.conftest import PASSWORD, card_for, login

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


def _start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str | None) -> Instance:
    instance = start_embedded(
        tmp_path, 30, lambda _m: None, {"TENOHIRA_CRASH_AT": crash_at} if crash_at else None
    )
    # this test process speaks for the counter of the same instance (same data directory and port)
    monkeypatch.setenv("TENOHIRA_PORT", instance.env["TENOHIRA_PORT"])
    monkeypatch.setenv("TENOHIRA_DATA_DIR", instance.env["TENOHIRA_DATA_DIR"])
    reset_settings()
    return instance


async def test_kill_during_set_filing_then_resume_files_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = _start(tmp_path, monkeypatch, "palm.application.agency_answered")
    try:
        card, _ = await card_for("R0000002", tmp_path / "card")
        http = await login(instance.url, card)
        bundle = (
            await http.post(
                "/api/applications/bundles",
                json={"procedures": ["child_allowance_claim", "maternity_allowance"], "answers": ANSWERS},
            )
        ).json()
        assert bundle["state"] == "open", bundle
        signature = base64.b64encode(card.sign(PASSWORD, base64.b64decode(bundle["manifest"]))).decode()
        with pytest.raises(httpx.HTTPError):  # the server dies after the first agency answered
            await http.post(
                f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
            )
        assert instance.process is not None and instance.process.wait(30) != 0
        await http.aclose()
    finally:
        instance.stop()
        await close_member_clients()
        await dispose_databases()

    instance = _start(tmp_path, monkeypatch, None)
    try:
        http = await login(instance.url, card)
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
        )
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["state"] == "submitted"
        assert {a["state"] for a in done["applications"]} <= {"notified", "queued"}
        ids = [a["id"] for a in done["applications"]]
        async with get_database().session() as session:
            filed: dict[str, int] = {}
            for model in (MuniReceived, InsurerReceived):
                rows = await session.execute(
                    sa.select(model.client_reference, sa.func.count())
                    .where(model.client_reference.in_(ids))
                    .group_by(model.client_reference)
                )
                for ref, n in rows:
                    filed[str(ref)] = filed.get(str(ref), 0) + int(n)
            submitted = (
                await session.execute(
                    sa.select(HistoryEntry.application_id, sa.func.count())
                    .where(HistoryEntry.application_id.in_(ids), HistoryEntry.to_state == "submitted")
                    .group_by(HistoryEntry.application_id)
                )
            ).all()
            references = (
                await session.execute(sa.select(Application.agency_reference).where(Application.id.in_(ids)))
            ).scalars()
        assert filed == dict.fromkeys(ids, 1)  # each agency holds each filing once
        assert dict(submitted) == dict.fromkeys(ids, 1)
        assert all(references)
        await http.aclose()
    finally:
        instance.stop()
        await close_member_clients()
        await dispose_databases()
