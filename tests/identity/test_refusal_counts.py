"""Strangers' refused logins are counted per source and minute, not logged one by one (issue 21)."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tenohira.audit import flush_refusals, sequence
from tenohira.core import get_database, get_settings

from .conftest import IssueFn, audit_rows


def _self_made_certificate() -> str:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not a card of ours")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


async def _log_size() -> int:
    from sqlalchemy import text

    async with get_database().session() as session:
        return int((await session.execute(text("SELECT count(*) FROM audit_entries"))).scalar_one())


async def test_fifty_logins_without_credentials_leave_one_counted_entry(
    client: httpx.AsyncClient, issue: IssueFn, migrated_db: Any
) -> None:
    card, sim = await issue()
    before = await _log_size()
    stranger = _self_made_certificate()
    for i in range(50):
        # half send garbage, half a fresh challenge "signed" under a certificate they made themselves
        challenge = (await client.post("/api/auth/challenge")).json()["challenge"] if i % 2 else "eA=="
        body = {"challenge": challenge, "signature": "AA==", "certificate": stranger if i % 2 else "nope"}
        r = await client.post("/api/auth/login", json=body)
        assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem")
    assert await _log_size() == before, "a stranger's refusal must not add an entry on its own"

    written = await flush_refusals(get_settings(), everything=True)
    assert written == 1
    summary = await audit_rows("audit:refusals")
    assert len(summary) == 1 and await _log_size() == before + 1
    entry = summary[0]
    assert entry["actor"] == "net:127.0.0.0/24"  # the client's network, not its address
    assert entry["attributes"]["kind"] == "card:auth:failure"
    assert entry["attributes"]["count"] == "50"
    assert sum(int(v) for k, v in entry["attributes"].items() if k.startswith("reason:")) == 50
    # the summary is an ordinary entry: sequenced into the tree like any other
    async with get_database().session() as session:
        assert await sequence(session) >= 1

    # a refusal about a card we issued is still logged alone, with the card's serial
    r = await client.post("/api/auth/challenge")
    body = {
        "challenge": r.json()["challenge"],
        "signature": base64.b64encode(b"\x01" * 256).decode(),
        "certificate": sim.auth_certificate_pem().decode(),
    }
    assert (await client.post("/api/auth/login", json=body)).status_code == 401
    failures = await audit_rows("card:auth:failure")
    assert [f["actor"] for f in failures] == [card.auth_serial]
