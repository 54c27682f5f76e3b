"""A resident logged in with a real card (identity's challenge–response) talking to the assistant API."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tenohira.assistant.api import router
from tenohira.core import get_settings
from tenohira.core.problems import install_problem_handlers
from tenohira.identity import BasicFacts, CardSimulator, ensure_ca, issue_card
from tenohira.identity.api import router as identity_router


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(identity_router)
    app.include_router(router)
    return app


def facts(name: str = "山田 花子", kana: str = "ヤマダ ハナコ") -> BasicFacts:
    return BasicFacts(
        name=name,
        name_kana=kana,
        address="手のひら市中央一丁目2番3号",
        birth_date=date(1992, 4, 12),
        sex="female",
    )


async def login(client: httpx.AsyncClient, db: Any, out: Path, holder_ref: str) -> dict[str, str]:
    """Issue a card for ``holder_ref`` and log in with it; the Authorization header."""
    ensure_ca(get_settings())
    async with db.session() as s:
        await issue_card(
            s,
            holder_ref=holder_ref,
            facts=facts(),
            pin="1234",
            password="HANAKO2026",
            out_dir=out / holder_ref,
        )
    sim = CardSimulator.open(out / holder_ref)
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
    return {"Authorization": f"Bearer {r.json()['token']}"}


@dataclass
class Chat:
    """One conversation of one resident."""

    client: httpx.AsyncClient
    auth: dict[str, str]
    id: str = ""
    last: dict[str, Any] | None = None

    async def start(self, language: str | None = None) -> dict[str, Any]:
        body = {"language": language} if language else {}
        r = await self.client.post("/api/assistant/conversations", json=body, headers=self.auth)
        assert r.status_code == 201, r.text
        self.id = r.json()["id"]
        self.last = r.json()["reply"]
        return self.last

    async def say(self, text: Any) -> dict[str, Any]:
        r = await self.client.post(
            f"/api/assistant/conversations/{self.id}/messages", json={"text": text}, headers=self.auth
        )
        assert r.status_code == 200, r.text
        self.last = r.json()
        return self.last

    async def get(self) -> dict[str, Any]:
        r = await self.client.get(f"/api/assistant/conversations/{self.id}", headers=self.auth)
        assert r.status_code == 200, r.text
        return dict(r.json())
