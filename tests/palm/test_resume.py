"""kill -9 while a "do them for me" set is filed, a restart, and nothing from the resident: the
server finishes every signed application itself, each filed exactly once (issue 21, item 7).

The resident's app may have lost the signature bytes (signing the same manifest again gives other
bytes and is refused), so resuming must not need them. Runs on the embedded SQLite and, when
configured, on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tenohira.agencies.insurer.intake_models import ReceivedApplication as InsurerReceived
from tenohira.agencies.membership import close_member_clients
from tenohira.agencies.municipality.intake_models import ReceivedApplication as MuniReceived
from tenohira.core import get_database, reset_settings
from tenohira.core.db import dispose_databases
from tenohira.palm.models import HistoryEntry
from tenohira.scenarios.instance import Instance, start_embedded
from tests.palm.conftest import PASSWORD, card_for, login
from tests.palm.test_crash import ANSWERS


def _start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, crash_at: str | None
) -> Instance:
    env = {"TENOHIRA_DATABASE_URL": database_url}
    if crash_at:
        env["TENOHIRA_CRASH_AT"] = crash_at
    instance = start_embedded(tmp_path, 30, lambda _m: None, env)
    monkeypatch.setenv("TENOHIRA_PORT", instance.env["TENOHIRA_PORT"])
    monkeypatch.setenv("TENOHIRA_DATA_DIR", instance.env["TENOHIRA_DATA_DIR"])
    reset_settings()
    return instance


async def _filings(ids: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """How often each agency holds each application, and how often the palm recorded it submitted."""
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
        submitted = await session.execute(
            sa.select(HistoryEntry.application_id, sa.func.count())
            .where(HistoryEntry.application_id.in_(ids), HistoryEntry.to_state == "submitted")
            .group_by(HistoryEntry.application_id)
        )
        return filed, {str(a): int(n) for a, n in submitted}


@pytest.mark.parametrize("crash_at", ["palm.bundle.signed", "palm.application.agency_answered"])
async def test_after_kill_9_the_server_files_the_signed_set_itself_once(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str
) -> None:
    instance = _start(tmp_path, monkeypatch, database_url, crash_at)
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
        with pytest.raises(httpx.HTTPError):  # the server dies after the signature (or one filing)
            await http.post(
                f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
            )
        assert instance.process is not None and instance.process.wait(30) != 0
        await http.aclose()
    finally:
        instance.stop()
        await close_member_clients()
        await dispose_databases()
    ids = [a["id"] for a in bundle["applications"] if a["state"] == "confirmed"]
    assert len(ids) == 2
    filed_before, _ = await _filings(ids)
    assert sum(filed_before.values()) == (0 if crash_at == "palm.bundle.signed" else 1)
    await dispose_databases()

    instance = _start(tmp_path, monkeypatch, database_url, None)
    try:
        http = await login(instance.url, card)
        # the resident sends nothing again: the server's resumer files the set (first pass ~3 s)
        deadline = time.monotonic() + 90
        seen = []
        while True:
            done = (await http.get(f"/api/applications/bundles/{bundle['id']}")).json()
            seen.append((done["state"], done["unfiled"]))
            if done["state"] == "submitted" or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert done["state"] == "submitted", seen
        assert done["unfiled"] == 0
        assert {a["state"] for a in done["applications"] if a["id"] in ids} <= {
            "notified",
            "queued",
            "decided",
        }
        filed, submitted = await _filings(ids)
        assert filed == dict.fromkeys(ids, 1)  # each agency holds each filing once
        assert submitted == dict.fromkeys(ids, 1)  # and the palm recorded each once
        # a later pass (or the resident re-sending the old signature) files nothing more
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
        )
        assert r.status_code == 200 and r.json()["state"] == "submitted"
        assert (await _filings(ids)) == (filed, submitted)
        await http.aclose()
    finally:
        instance.stop()
        await close_member_clients()
        await dispose_databases()


async def test_the_page_says_the_set_is_being_filed(monkeypatch: pytest.MonkeyPatch) -> None:
    from tenohira.web.i18n import translate

    for lang in ("ja", "en", "easy_ja"):
        text = str(translate("bundle_filing_resumes", lang, count=2))  # type: ignore[arg-type]
        assert "2" in text and "{" not in text
