"""Challenge authentication and sessions (service level, on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tenohira.core import get_database, get_settings
from tenohira.identity import Refused, revoke_card
from tenohira.identity import service as svc
from tenohira.identity.ca import init_ca
from tenohira.identity.certificates import issue_certificate

from .conftest import PIN, IssueFn, audit_rows


async def _challenge(now: datetime | None = None, settings: Any = None) -> svc.IssuedChallenge:
    async with get_database().session() as s:
        return await svc.issue_challenge(s, now=now, settings=settings)


async def _login(challenge: bytes, signature: bytes, cert: bytes | str, **kw: Any) -> svc.LoginResult:
    async with get_database().session() as s:
        return await svc.login(s, challenge=challenge, signature=signature, certificate=cert, **kw)


async def _refused(reason: str, challenge: bytes, signature: bytes, cert: bytes | str, **kw: Any) -> Refused:
    with pytest.raises(Refused) as exc:
        await _login(challenge, signature, cert, **kw)
    assert exc.value.reason == reason, exc.value.detail
    assert exc.value.slug == reason and exc.value.title_ja and exc.value.detail_ja
    return exc.value


async def test_login_opens_a_session(issue: IssueFn) -> None:
    card, sim = await issue(holder_ref="R0000123")
    ch = await _challenge()
    result = await _login(ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem())
    p = result.principal
    assert p.card_serial == card.auth_serial and p.holder_ref == "R0000123"
    async with get_database().session() as s:
        again = await svc.principal_for_token(s, result.token)
    assert again is not None and again.session_id == p.session_id
    # only the hash of the token is stored
    from sqlalchemy import text

    async with get_database().session() as s:
        stored = (await s.execute(text("SELECT token_hash FROM identity_sessions"))).scalar_one()
    assert stored == svc.hash_token(result.token) and result.token not in stored
    events = await audit_rows("card:auth")
    assert events[-1]["type"] == "card:auth:success" and events[-1]["actor"] == card.auth_serial


async def test_replayed_challenge_is_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    ch = await _challenge()
    sig = sim.authenticate(PIN, ch.challenge)
    await _login(ch.challenge, sig, sim.auth_certificate_pem())
    await _refused("challenge-replayed", ch.challenge, sig, sim.auth_certificate_pem())


async def test_expired_challenge_is_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    t0 = datetime.now(UTC)
    ch = await _challenge(now=t0)
    ttl = get_settings().auth_challenge_ttl_seconds
    sig = sim.authenticate(PIN, ch.challenge)
    await _refused(
        "challenge-expired", ch.challenge, sig, sim.auth_certificate_pem(), now=t0 + timedelta(seconds=ttl)
    )
    # just inside the lifetime it is fine
    ch2 = await _challenge(now=t0)
    await _login(
        ch2.challenge,
        sim.authenticate(PIN, ch2.challenge),
        sim.auth_certificate_pem(),
        now=t0 + timedelta(seconds=ttl - 1),
    )


async def test_unknown_and_forged_challenges_are_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    ch = await _challenge()
    prefix, audience, cid, nonce = ch.challenge.split(b"|")
    cert = sim.auth_certificate_pem()
    for forged in (
        b"|".join([prefix, audience, b"never-issued", nonce]),  # an id this server never issued
        b"|".join([prefix, audience, cid, b"A" * 43]),  # right id, wrong nonce
        b"hello",  # not a challenge at all
    ):
        await _refused("challenge-unknown", forged, sim.authenticate(PIN, forged), cert)


async def test_foreign_challenge_is_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    other = get_settings().model_copy(update={"base_url": "https://other-service.example"})
    ch = await _challenge(settings=other)
    await _refused(
        "challenge-foreign", ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem()
    )


async def test_certificate_of_another_ca_is_refused(issue: IssueFn, tmp_path: Path) -> None:
    _, _sim = await issue()
    # Another CA with the very same names: only the signature tells them apart.
    other_ca, _ = init_ca(get_settings().model_copy(update={"data_dir": tmp_path / "evil"}))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    forged = issue_certificate(
        other_ca,
        kind="auth",
        public_key=key.public_key(),
        facts=None,
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(days=365),
        crl_url="http://x/crl",
    )
    ch = await _challenge()
    sig = key.sign(ch.challenge, padding.PKCS1v15(), hashes.SHA256())
    await _refused(
        "certificate-untrusted", ch.challenge, sig, forged.public_bytes(serialization.Encoding.PEM)
    )
    # the CA certificate itself is not a card
    ch = await _challenge()
    await _refused(
        "certificate-untrusted",
        ch.challenge,
        sig,
        other_ca.root_cert.public_bytes(serialization.Encoding.PEM),
    )


async def test_expired_and_not_yet_valid_certificates_are_refused(issue: IssueFn) -> None:
    card, sim = await issue()
    later = card.not_after + timedelta(seconds=1)
    ch = await _challenge(now=later)
    await _refused(
        "certificate-expired",
        ch.challenge,
        sim.authenticate(PIN, ch.challenge),
        sim.auth_certificate_pem(),
        now=later,
    )
    earlier = datetime.now(UTC) - timedelta(days=1)
    ch = await _challenge(now=earlier)
    await _refused(
        "certificate-not-yet-valid",
        ch.challenge,
        sim.authenticate(PIN, ch.challenge),
        sim.auth_certificate_pem(),
        now=earlier,
    )


async def test_revoked_certificate_is_refused_at_once(issue: IssueFn) -> None:
    card, sim = await issue()
    ch = await _challenge()
    result = await _login(ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem())
    async with get_database().session() as s:
        revoked = await revoke_card(s, serial=card.auth_serial, reason="lost")
    assert set(revoked) == {card.auth_serial, card.sign_serial}
    ch = await _challenge()
    await _refused(
        "certificate-revoked", ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem()
    )
    # and the session opened before ends with the revocation
    async with get_database().session() as s:
        assert await svc.principal_for_token(s, result.token) is None


async def test_facts_changed_revokes_only_the_signing_certificate(issue: IssueFn) -> None:
    card, sim = await issue(holder_ref="R0000777")
    async with get_database().session() as s:
        revoked = await revoke_card(s, holder_ref="R0000777", reason="facts_changed")  # "_" accepted too
    assert revoked == [card.sign_serial]
    ch = await _challenge()
    await _login(ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem())
    events = await audit_rows("card:revoked")
    assert [(e["subject"], e["attributes"]["reason"]) for e in events] == [
        (card.sign_serial, "facts-changed")
    ]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda pem: b"not a certificate",
        lambda pem: pem[: len(pem) // 2] + b"\n-----END CERTIFICATE-----\n",  # truncated PEM
        lambda pem: x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)[
            :300
        ],  # truncated DER
        lambda pem: pem.replace(b"MII", b"MIJ", 1),  # corrupted length
        lambda pem: b"",
    ],
)
async def test_malformed_or_truncated_certificate_is_refused(issue: IssueFn, mangle: Any) -> None:
    _, sim = await issue()
    ch = await _challenge()
    cert = mangle(sim.auth_certificate_pem())
    await _refused("certificate-malformed", ch.challenge, sim.authenticate(PIN, ch.challenge), cert)


async def test_bad_signature_is_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    _, other = await issue()
    ch = await _challenge()
    # signed by another card's key
    await _refused(
        "signature-invalid", ch.challenge, other.authenticate(PIN, ch.challenge), sim.auth_certificate_pem()
    )
    ch = await _challenge()
    # signature over different bytes
    await _refused(
        "signature-invalid",
        ch.challenge,
        sim.authenticate(PIN, b"something else"),
        sim.auth_certificate_pem(),
    )
    ch = await _challenge()
    await _refused("signature-invalid", ch.challenge, b"\x00" * 256, sim.auth_certificate_pem())


async def test_signing_certificate_cannot_log_in(issue: IssueFn) -> None:
    _, sim = await issue()
    ch = await _challenge()
    await _refused(
        "certificate-wrong-kind",
        ch.challenge,
        sim.authenticate(PIN, ch.challenge),
        sim.sign_certificate_pem(),
    )


async def test_sessions_expire_when_idle_or_old_and_end_on_logout(issue: IssueFn) -> None:
    _, sim = await issue()
    settings = get_settings()
    t0 = datetime.now(UTC)
    ch = await _challenge(now=t0)
    result = await _login(
        ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem(), now=t0
    )
    idle = timedelta(minutes=settings.session_idle_minutes)
    async with get_database().session() as s:
        assert await svc.principal_for_token(s, result.token, now=t0 + idle - timedelta(seconds=1))
    async with get_database().session() as s:
        # last seen was just refreshed, so idle counts from there
        assert await svc.principal_for_token(s, result.token, now=t0 + 2 * idle - timedelta(seconds=2))
    async with get_database().session() as s:
        assert await svc.principal_for_token(s, result.token, now=t0 + 4 * idle) is None
    ch = await _challenge()
    result = await _login(ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem())
    async with get_database().session() as s:
        assert await svc.principal_for_token(s, "not-a-token") is None
        assert await svc.logout(s, result.token)
    async with get_database().session() as s:
        assert await svc.principal_for_token(s, result.token) is None
        assert not await svc.logout(s, result.token)


async def test_session_never_outlives_the_certificate(issue: IssueFn) -> None:
    card, sim = await issue()
    t = card.not_after - timedelta(minutes=5)
    ch = await _challenge(now=t)
    result = await _login(
        ch.challenge, sim.authenticate(PIN, ch.challenge), sim.auth_certificate_pem(), now=t
    )
    assert result.principal.expires_at == card.not_after


async def test_issuance_is_logged_without_personal_facts(issue: IssueFn) -> None:
    card, _ = await issue(holder_ref="R0000042")
    events = await audit_rows("card:issued")
    assert len(events) == 1
    e = events[0]
    assert e["subject"] == card.auth_serial and e["attributes"]["sign_serial"] == card.sign_serial
    flat = repr(e)
    assert "R0000042" not in flat and "山田" not in flat and "1990" not in flat


async def test_concurrent_logins_with_one_challenge_open_one_session(issue: IssueFn) -> None:
    import asyncio

    _, sim = await issue()
    ch = await _challenge()
    sig = sim.authenticate(PIN, ch.challenge)
    results = await asyncio.gather(
        *(_login(ch.challenge, sig, sim.auth_certificate_pem()) for _ in range(2)), return_exceptions=True
    )
    ok = [r for r in results if isinstance(r, svc.LoginResult)]
    refused = [r for r in results if isinstance(r, Refused)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert refused[0].reason == "challenge-replayed"


async def test_old_challenges_are_cleared(issue: IssueFn) -> None:
    from sqlalchemy import text

    t0 = datetime.now(UTC) - timedelta(hours=3)
    old = await _challenge(now=t0)
    await _challenge()  # issuing a new one clears those long expired
    async with get_database().session() as s:
        ids = {r[0] for r in await s.execute(text("SELECT id FROM identity_challenges"))}
    assert old.id not in ids and len(ids) == 1
