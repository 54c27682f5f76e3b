"""The inbox API behind a real card login (identity's challenge–response), and the local mailbox view."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tenohira.core import get_settings
from tenohira.core.problems import install_problem_handlers
from tenohira.identity import BasicFacts, CardSimulator, ensure_ca, issue_card
from tenohira.identity.api import router as identity_router
from tenohira.notify import send
from tenohira.notify.api import router
from tenohira.notify.delivery import deliver_once, make_transport

FACTS = BasicFacts(
    name="山田 花子",
    name_kana="ヤマダ ハナコ",
    address="手のひら市中央一丁目2番3号",
    birth_date=date(1990, 4, 12),
    sex="female",
)


@pytest.fixture
async def client(migrated_db: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(identity_router)
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://palm.test") as c:
        yield c


async def _login(client: httpx.AsyncClient, migrated_db: Any, tmp_path: Any, holder_ref: str) -> str:
    ensure_ca(get_settings())
    async with migrated_db.session() as s:
        await issue_card(
            s,
            holder_ref=holder_ref,
            facts=FACTS,
            pin="1234",
            password="HANAKO2026",
            out_dir=tmp_path / holder_ref,
        )
    sim = CardSimulator.open(tmp_path / holder_ref)
    ch = (await client.post("/api/auth/challenge")).json()
    sig = sim.authenticate("1234", base64.b64decode(ch["challenge"]))
    r = await client.post(
        "/api/auth/login",
        json={
            "challenge": ch["challenge"],
            "signature": base64.b64encode(sig).decode(),
            "certificate": sim.auth_certificate_pem().decode(),
            "session": "bearer",
        },
    )
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def test_inbox_needs_login_and_shows_only_mine(
    client: httpx.AsyncClient, migrated_db: Any, tmp_path: Any
) -> None:
    r = await client.get("/api/notify/inbox")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")

    token = await _login(client, migrated_db, tmp_path, "R0000001")
    auth = {"Authorization": f"Bearer {token}"}
    async with migrated_db.session() as s:
        mine = await send(
            s,
            recipient="R0000001",
            template="generic",
            language="en",
            params={"subject": "Hello", "body": "b"},
        )
        await send(
            s,
            recipient="R0000002",
            template="generic",
            language="en",
            params={"subject": "Not yours", "body": "b"},
        )

    r = await client.get("/api/notify/inbox", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unread"] == 1 and [m["subject"] for m in body["messages"]] == ["Hello"]

    r = await client.post(f"/api/notify/inbox/{mine}/read", headers=auth)
    assert r.status_code == 200 and r.json()["read"] is True
    assert (await client.get("/api/notify/inbox", headers=auth, params={"unread_only": True})).json() == {
        "unread": 0,
        "messages": [],
    }
    # someone else's message, or none at all: 404 either way (no hint that it exists)
    async with migrated_db.session() as s:
        other = await send(
            s, recipient="R0000002", template="generic", language="ja", params={"subject": "x", "body": "y"}
        )
    for mid in (other, "nope"):
        r = await client.post(f"/api/notify/inbox/{mid}/read", headers=auth)
        assert r.status_code == 404 and r.json()["title_ja"]
    r = await client.get("/api/notify/inbox", headers=auth, params={"limit": 0})
    assert r.status_code == 422


async def test_local_mailbox_view(client: httpx.AsyncClient, migrated_db: Any) -> None:
    async with migrated_db.session() as s:
        await send(
            s,
            recipient="R1",
            template="generic",
            language="ja",
            params={"subject": "件名", "body": "本文"},
            email="a@example.jp",
        )
    settings = get_settings()
    await deliver_once(migrated_db, settings, make_transport(settings))
    r = await client.get("/api/notify/mailbox")
    assert r.status_code == 200
    (mail,) = r.json()["emails"]
    assert mail["subject"] == "件名" and mail["to"] == "a@example.jp" and mail["body"].strip() == "本文"


async def test_mailbox_is_not_served_in_production(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenohira.core import reset_settings

    monkeypatch.setenv("TENOHIRA_ENVIRONMENT", "production")
    reset_settings()
    r = await client.get("/api/notify/mailbox")
    assert r.status_code == 404 and r.json()["type"].endswith("notify-mailbox-disabled")
