"""The audit HTTP API, checked by the independent client (RFC 9162 verification over HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tenohira.audit import AuditEvent, append_events
from tenohira.audit.api import router
from tenohira.audit.client import LogClient, LogMisbehaviour, VerifiedHead
from tenohira.audit.keys import LogKey
from tenohira.audit.log import produce_tree_head
from tenohira.core.problems import install_problem_handlers


@pytest.fixture
async def http(migrated_db: Any, log_key: LogKey) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://audit.test"
    ) as client:
        yield client


async def _grow(db: Any, key: LogKey, count: int, tag: str) -> None:
    async with db.session() as s:
        await append_events(
            s,
            [
                AuditEvent(type="hub:exchange", actor=f"{tag}{i}", attributes={"purpose": "test"})
                for i in range(count)
            ],
        )
    async with db.session() as s:
        await produce_tree_head(s, key)


async def test_client_verifies_heads_entries_and_proofs(
    http: httpx.AsyncClient, migrated_db: Any, log_key: LogKey
) -> None:
    key_doc = (await http.get("/api/audit/key")).json()
    auditor = LogClient(http, key_doc["public_key_pem"])
    await _grow(migrated_db, log_key, 13, "a")
    old = await auditor.tree_head()
    assert old.tree_size == 13
    await _grow(migrated_db, log_key, 30, "b")
    new = await auditor.tree_head()
    assert new.tree_size == 43
    for i in (0, 12, 13, 42):
        entry = await auditor.entry(i)
        await auditor.check_inclusion(entry, new)
        if i < 13:
            await auditor.check_inclusion(entry, old)
    await auditor.check_consistency(old, new)
    # A forged head (another root) is caught by the proofs.
    forged = VerifiedHead(new.tree_size, new.timestamp_ms, bytes(32))
    with pytest.raises(LogMisbehaviour):
        await auditor.check_inclusion(await auditor.entry(1), forged)
    with pytest.raises(LogMisbehaviour):
        await auditor.check_consistency(old, forged)


async def test_client_refuses_a_head_signed_by_another_key(http: httpx.AsyncClient, migrated_db: Any) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(LogMisbehaviour):
        await LogClient(http, other).tree_head()


async def test_entries_and_errors_are_problem_json(
    http: httpx.AsyncClient, migrated_db: Any, log_key: LogKey
) -> None:
    await _grow(migrated_db, log_key, 5, "c")
    listing = (await http.get("/api/audit/entries", params={"start": 1, "end": 4})).json()
    assert listing["tree_size"] == 5
    assert [e["leaf_index"] for e in listing["entries"]] == [1, 2, 3]
    assert listing["entries"][0]["attributes"] == {"purpose": "test"}

    for url, params, status in [
        ("/api/audit/entries/99", None, 404),
        ("/api/audit/proof/inclusion", {"leaf_index": 5, "tree_size": 5}, 400),
        ("/api/audit/proof/inclusion", {"leaf_index": 0, "tree_size": 6}, 400),
        ("/api/audit/proof/inclusion", {"leaf_index": -1}, 422),
        ("/api/audit/proof/consistency", {"first": 4, "second": 3}, 400),
        ("/api/audit/proof/consistency", {"first": "x", "second": 3}, 422),
    ]:
        r = await http.get(url, params=params)
        assert r.status_code == status, (url, params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title_ja"]
    ok = await http.get("/api/audit/proof/inclusion", params={"leaf_index": 4})
    assert ok.status_code == 200 and ok.json()["tree_size"] == 5
