"""End to end on the running platform: a card issued at the counter (a real ``tenohira`` process),
login over real HTTP, and an agency-style verifier that fetches the CA chain and CRL from /pki/."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenohira.identity import CardSimulator, Refused, TrustStore, verify_document_signature

TENOHIRA = str(Path(sys.executable).with_name("tenohira"))


def counter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TENOHIRA, "card", *args], capture_output=True, text=True, env=dict(os.environ))


async def test_card_on_the_running_platform(live_server: Any, tmp_path: Path) -> None:
    out = tmp_path / "card"
    issued = counter(
        "issue", "--resident", "R0000003", "--out", str(out), "--pin", "2468", "--password", "LIVE2026"
    )
    assert issued.returncode == 0, issued.stderr
    assert "linked at the hub" in issued.stdout, issued.stderr
    sim = CardSimulator.open(out)
    # the palm can now resolve the card to its own code for the person (through the hub)
    from tenohira.agencies.membership import member_client
    from tenohira.core import get_settings

    serial = sim.auth_certificate_pem()
    from cryptography import x509

    auth_serial = format(x509.load_pem_x509_certificate(serial).serial_number, "X")
    palm_code = await member_client(get_settings(), "palm").resolve_card(auth_serial)
    assert palm_code
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        ready = (await client.get("/readyz")).json()
        assert ready["checks"]["signing_keys"]["status"] == "ok"

        ch = (await client.post("/api/auth/challenge")).json()
        challenge = base64.b64decode(ch["challenge"])
        login = await client.post(
            "/api/auth/login",
            json={
                "challenge": ch["challenge"],
                "signature": base64.b64encode(sim.authenticate("2468", challenge)).decode(),
                "certificate": sim.auth_certificate_pem().decode(),
                "session": "bearer",
            },
        )
        assert login.status_code == 200, login.text
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
        assert me.status_code == 200

    doc = "転入届".encode()
    sig = sim.sign("LIVE2026", doc)
    trust = await TrustStore.fetch(live_server.url)
    assert verify_document_signature(doc, sig, trust=trust).facts.address

    revoked = counter("revoke", "--resident", "R0000003", "--reason", "lost")
    assert revoked.returncode == 0, revoked.stderr
    from tenohira.hub import HubError

    with pytest.raises(HubError):  # the hub no longer resolves the revoked card
        await member_client(get_settings(), "palm").resolve_card(auth_serial)
    try:
        verify_document_signature(doc, sig, trust=await TrustStore.fetch(live_server.url))
        raise AssertionError("a revoked card's signature verified")
    except Refused as exc:
        assert exc.reason == "certificate-revoked"
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        ch = (await client.post("/api/auth/challenge")).json()
        challenge = base64.b64decode(ch["challenge"])
        refused = await client.post(
            "/api/auth/login",
            json={
                "challenge": ch["challenge"],
                "signature": base64.b64encode(sim.authenticate("2468", challenge)).decode(),
                "certificate": sim.auth_certificate_pem().decode(),
            },
        )
        assert refused.status_code == 401 and refused.json()["reason"] == "certificate-revoked"
