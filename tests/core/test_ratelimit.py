"""Rate limits at the internet-facing edges: token buckets, 429 problem+json with Retry-After."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tenohira.core.ratelimit import MemoryBuckets, Rate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    clock = Clock()
    buckets = MemoryBuckets(clock=clock)
    rate = Rate(burst=3, per_minute=6)  # one token every 10 s
    assert [await buckets.take("k", rate) for _ in range(3)] == [0, 0, 0]
    assert await buckets.take("k", rate) == pytest.approx(10.0)
    assert await buckets.take("other", rate) == 0  # keys are separate
    clock.now += 10
    assert await buckets.take("k", rate) == 0
    assert await buckets.take("k", rate) > 0
    clock.now += 3600  # a long pause refills to the burst, never beyond
    assert [await buckets.take("k", rate) for _ in range(4)][:3] == [0, 0, 0]
    assert await buckets.take("k", rate) > 0


async def test_buckets_are_bounded_in_memory() -> None:
    buckets = MemoryBuckets(max_keys=100)
    for i in range(1000):
        await buckets.take(f"source-{i}", Rate(1, 1))
    assert len(buckets._buckets) == 100


# --- on the platform ----------------------------------------------------------------------------


def client_from(app: object, source: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(source, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def app(migrated_db: object, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[object]:
    from tenohira.app import create_app
    from tenohira.core import get_settings, reset_settings

    monkeypatch.setenv("TENOHIRA_RATE_AUTH_CHALLENGES_PER_MINUTE", "3")
    monkeypatch.setenv("TENOHIRA_RATE_AUTH_LOGINS_PER_CARD_PER_MINUTE", "2")
    monkeypatch.setenv("TENOHIRA_RATE_OPENDATA_SEARCHES_PER_MINUTE", "2")
    monkeypatch.setenv("TENOHIRA_RATE_ASSISTANT_MESSAGES_PER_MINUTE", "2")
    reset_settings()
    yield create_app(get_settings(), background=False)


async def test_challenges_are_limited_per_source_with_retry_after(app: object) -> None:
    async with client_from(app, "203.0.113.7") as one, client_from(app, "198.51.100.2") as other:
        assert [(await one.post("/api/auth/challenge")).status_code for _ in range(3)] == [201] * 3
        refused = await one.post("/api/auth/challenge")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 20  # 3 a minute: one every 20 s
        body = refused.json()
        assert body["type"] == "urn:tenohira:problem:rate-limited" and body["title_ja"] and body["detail_ja"]
        # another source is not affected
        assert (await other.post("/api/auth/challenge")).status_code == 201


def _certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not a card")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


async def test_login_attempts_are_limited_per_card_from_any_source(app: object) -> None:
    attempt = {
        "challenge": base64.b64encode(b"c" * 32).decode(),
        "signature": base64.b64encode(b"s" * 256).decode(),
        "certificate": _certificate(),
        "session": "bearer",
    }
    statuses = []
    for source in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        async with client_from(app, source) as c:
            statuses.append((await c.post("/api/auth/login", json=attempt)).status_code)
    assert statuses[:2] != [429, 429] and 429 not in statuses[:2]  # refused as logins (not a card)
    assert statuses[2] == 429
    # another card is not affected
    async with client_from(app, "192.0.2.3") as c:
        r = await c.post("/api/auth/login", json={**attempt, "certificate": _certificate()})
        assert r.status_code != 429


async def test_open_data_search_and_assistant_are_limited(app: object) -> None:
    async with client_from(app, "203.0.113.9") as c:
        assert [(await c.get("/opendata", params={"q": "x"})).status_code for _ in range(3)][2] == 429
        r = await c.get("/api/3/action/package_search")
        assert r.status_code == 429  # the same bucket: the CKAN search
        codes = [
            (await c.post("/api/assistant/understand", json={"text": "hi"})).status_code for _ in range(3)
        ]
        assert codes[2] == 429 and codes[0] != 429


async def test_limits_can_be_switched_off(migrated_db: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from tenohira.app import create_app
    from tenohira.core import get_settings, reset_settings

    monkeypatch.setenv("TENOHIRA_RATE_AUTH_CHALLENGES_PER_MINUTE", "1")
    monkeypatch.setenv("TENOHIRA_RATE_LIMITS_ENABLED", "false")
    reset_settings()
    async with client_from(create_app(get_settings(), background=False), "203.0.113.7") as c:
        assert [(await c.post("/api/auth/challenge")).status_code for _ in range(3)] == [201] * 3
