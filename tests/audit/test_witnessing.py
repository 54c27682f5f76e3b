"""Tree heads that cannot vanish: the witness holds them, ``audit verify`` compares (issue 21, item 4).

The two attacks the battery found undetected — deleting the newest signed tree head; deleting every
head and rewriting an entry with all hashes recomputed — are detected once a witness has cosigned.
The embedded witness (own key, own SQLite database) is reached in-process here (nothing serves
the platform); tests/audit/test_witness_live.py does the same over real HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from tenohira.audit import AuditEvent, append_events
from tenohira.audit.bootstrap import bootstrap_embedded_witness
from tenohira.audit.keys import LogKey
from tenohira.audit.leaf import entry_leaf_hash
from tenohira.audit.log import produce_tree_head
from tenohira.audit.merkle import fold_right, frontier, node_hash
from tenohira.audit.models import AuditCosignature, AuditEntry
from tenohira.audit.note import SignedCheckpoint
from tenohira.audit.published import gather_published
from tenohira.audit.verify import verify_log, verify_session
from tenohira.audit.witnessing import configured_witnesses, published_checkpoint, witness_latest
from tenohira.core import get_settings, reset_settings


@pytest.fixture
async def witnessed(migrated_db: Any, log_key: LogKey, monkeypatch: pytest.MonkeyPatch) -> Any:
    from tests.conftest import free_port

    monkeypatch.setenv("TENOHIRA_BASE_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    reset_settings()
    await bootstrap_embedded_witness(get_settings(), log_key)
    for batch in range(3):
        async with migrated_db.session() as s:
            await append_events(
                s,
                [
                    AuditEvent(type="card:auth:success", actor=f"card:{batch}{i:03X}")
                    for i in range(7 + batch)
                ],
            )
        async with migrated_db.session() as s:
            await produce_tree_head(s, log_key)
        assert await witness_latest(get_settings()) == 1
    return migrated_db


async def _verify(db: Any, key: LogKey, sources: list[str] | None = None) -> Any:
    gathered = await gather_published(get_settings(), db, key, sources or [])
    assert not gathered.problems, gathered.problems
    return await verify_log(db, key, published=gathered.heads)


async def test_each_new_head_is_cosigned_from_the_last(witnessed: Any, log_key: LogKey) -> None:
    async with witnessed.session() as s:
        rows = (await s.scalars(select(AuditCosignature).order_by(AuditCosignature.id))).all()
        assert [r.tree_size for r in rows] == [7, 15, 24]
        cp = await published_checkpoint(s, get_settings())
    assert cp is not None
    signed = SignedCheckpoint.parse(cp)
    (witness,) = configured_witnesses(get_settings())
    assert signed.checkpoint.tree_size == 24 and signed.cosigned_at(witness.verifier)
    # nothing new: nothing is sent again
    assert await witness_latest(get_settings()) == 0
    report = await _verify(witnessed, log_key)
    assert report.ok, report.problem
    # the witness's head and the three stored cosignatures
    assert report.published_checked == 4


async def test_deleting_the_newest_head_is_detected(witnessed: Any, log_key: LogKey) -> None:
    async with witnessed.engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM audit_tree_heads WHERE id = (SELECT max(id) FROM audit_tree_heads)")
        )
        # a careful operator also removes the cosignatures the log stored of it
        await conn.execute(text("DELETE FROM audit_cosignatures WHERE tree_size = 24"))
    # checked against itself, the log still looks fine (the battery's finding) ...
    alone = await verify_log(witnessed, log_key)
    assert alone.ok
    # ... but the witness holds that head
    report = await _verify(witnessed, log_key)
    assert not report.ok
    assert "witness" in (report.problem or "") and "heads were deleted" in (report.problem or "")


async def test_deleting_every_head_and_rewriting_an_entry_is_detected(
    witnessed: Any, log_key: LogKey
) -> None:
    async with witnessed.session() as s:
        await s.execute(text("DELETE FROM audit_tree_heads"))
        await s.execute(text("DELETE FROM audit_cosignatures"))
        e = (await s.execute(select(AuditEntry).where(AuditEntry.leaf_index == 3))).scalar_one()
        e.actor = "card:EVIL"
        e.leaf_hash = entry_leaf_hash(
            type=e.type,
            actor=e.actor,
            subject=e.subject,
            time=e.created_at,
            digest=e.payload_digest,
            attributes=e.attributes,
        )
    async with witnessed.session() as s:
        leaves = [
            r[0]
            for r in await s.execute(
                select(AuditEntry.leaf_hash)
                .where(AuditEntry.leaf_index.is_not(None))
                .order_by(AuditEntry.leaf_index)
            )
        ]
        level, cur, nodes = 0, leaves, {}
        while len(cur) > 1:
            cur = [node_hash(cur[i], cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
            level += 1
            nodes.update({(level, i): h for i, h in enumerate(cur)})
        for (lv, ix), h in nodes.items():
            await s.execute(
                text('UPDATE audit_nodes SET hash = :h WHERE level = :l AND "index" = :i'),
                {"h": h, "l": lv, "i": ix},
            )
        allh = {**nodes, **{(0, i): h for i, h in enumerate(leaves)}}
        await s.execute(
            text("UPDATE audit_state SET root_hash = :r"),
            {"r": fold_right([allh[k] for k in frontier(len(leaves))])},
        )
    async with witnessed.session() as s:  # and signs a fresh head of the rewritten log
        await produce_tree_head(s, log_key)
    alone = await verify_log(witnessed, log_key)
    assert alone.ok, "a log verified only against itself cannot see this"
    report = await _verify(witnessed, log_key)
    assert not report.ok and "entries were rewritten" in (report.problem or ""), report.problem
    # and the witness refuses to cosign the rewritten log's head
    assert await witness_latest(get_settings()) == 0


async def test_heads_kept_elsewhere_are_checked_too(witnessed: Any, log_key: LogKey, tmp_path: Path) -> None:
    async with witnessed.session() as s:
        cp = await published_checkpoint(s, get_settings())
    kept = tmp_path / "release.json"
    kept.write_text(json.dumps([{"version": "v1", "audit_checkpoint": cp}]))
    report = await _verify(witnessed, log_key, [str(kept)])
    assert report.ok and report.published_checked == 5
    # a made-up head (not signed by the log) is refused, not trusted
    forged = (cp or "").replace("\n24\n", "\n23\n")
    (tmp_path / "forged.txt").write_text(forged)
    gathered = await gather_published(get_settings(), witnessed, log_key, [str(tmp_path / "forged.txt")])
    assert gathered.problems and "not signed by this log" in gathered.problems[0]
    # a deleted head is found from the kept copy alone, the witness out of reach
    async with witnessed.engine.begin() as conn:
        await conn.execute(text("DELETE FROM audit_cosignatures"))
    gathered = await gather_published(get_settings(), witnessed, log_key, [str(kept)], witnesses=False)
    async with witnessed.session() as s:
        await s.execute(text("DELETE FROM audit_tree_heads WHERE tree_size = 24"))
        report = await verify_session(s, log_key, published=gathered.heads)
        await s.rollback()
    assert not report.ok and str(kept) in (report.problem or "")


async def test_the_api_hands_out_the_witnessed_checkpoint(witnessed: Any, log_key: LogKey) -> None:
    import httpx
    from fastapi import FastAPI

    from tenohira.audit.api import router
    from tenohira.audit.note import Verifier
    from tenohira.core.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as http:
        key = (await http.get("/api/audit/key")).json()
        r = await http.get("/api/audit/checkpoint")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    signed = SignedCheckpoint.parse(r.text)
    assert signed.checkpoint.origin == key["origin"] and signed.signed_by(Verifier.parse(key["vkey"]))
    (witness,) = configured_witnesses(get_settings())
    assert signed.checkpoint.tree_size == 24 and signed.cosigned_at(witness.verifier)
