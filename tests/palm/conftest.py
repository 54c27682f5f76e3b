"""Helpers for palm tests: a card issued at the counter (linked at the hub), card login, signing."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tenohira.agencies.municipality.cards import issue_for_resident, link_card_at_hub
from tenohira.core import get_settings
from tenohira.identity import CardSimulator, IssuedCard

PIN, PASSWORD = "1234", "TENOHIRA26"


@dataclass
class Resident:
    """A resident with a card, logged in over HTTP (bearer)."""

    card: CardSimulator
    issued: IssuedCard
    http: httpx.AsyncClient

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.card.sign(PASSWORD, data)).decode()

    async def sign_manifest(self, application_id: str) -> httpx.Response:
        manifest = (await self.http.get(f"/api/applications/{application_id}/manifest")).json()
        signature = self.sign(base64.b64decode(manifest["manifest"]))
        return await self.http.post(
            f"/api/applications/{application_id}/signature", json={"signature": signature}
        )

    async def submit(self, application_id: str, key: str | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/applications/{application_id}/submit",
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
        )


async def card_for(resident_id: str, out: Path) -> tuple[CardSimulator, IssuedCard]:
    """Issue a card at the counter and link it at the (running) hub."""
    settings = get_settings()
    issued = await issue_for_resident(settings, resident_id, out_dir=out, pin=PIN, password=PASSWORD)
    await link_card_at_hub(settings, resident_id, issued.auth_serial)
    return CardSimulator.open(out), issued


async def login(base_url: str, card: CardSimulator) -> httpx.AsyncClient:
    """A bearer-authenticated client for the card's holder."""
    http = httpx.AsyncClient(base_url=base_url, timeout=60)
    challenge = (await http.post("/api/auth/challenge")).json()
    signature = card.authenticate(PIN, base64.b64decode(challenge["challenge"]))
    r = await http.post(
        "/api/auth/login",
        json={
            "challenge": challenge["challenge"],
            "signature": base64.b64encode(signature).decode(),
            "certificate": card.auth_certificate_pem().decode(),
            "session": "bearer",
        },
    )
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return http


async def resident(base_url: str, resident_id: str, out: Path) -> Resident:
    card, issued = await card_for(resident_id, out)
    return Resident(card, issued, await login(base_url, card))


def errors_by_field(problem: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["field"]: e for e in problem.get("errors", [])}
