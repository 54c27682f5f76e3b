"""Passkeys bound to the card: enrolment only after a card login, login with a real ES256
assertion (software authenticator, verification unmocked), and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tenohira.core import get_database, get_settings
from tenohira.identity import Refused, revoke_card
from tenohira.identity import passkeys as pk
from tenohira.identity import service as svc

from .authenticator import SoftAuthenticator
from .conftest import PIN, IssueFn, audit_rows


async def _card_login(sim: Any, now: datetime | None = None) -> svc.LoginResult:
    async with get_database().session() as s:
        ch = await svc.issue_challenge(s, now=now)
    async with get_database().session() as s:
        return await svc.login(
            s,
            challenge=ch.challenge,
            signature=sim.authenticate(PIN, ch.challenge),
            certificate=sim.auth_certificate_pem(),
            now=now,
        )


def _who(p: svc.Principal) -> dict[str, Any]:
    return {
        "session_id": p.session_id,
        "card_serial": p.card_serial,
        "holder_ref": p.holder_ref,
        "method": p.method,
        "logged_in_at": p.created_at,
    }


async def _options(p: svc.Principal, now: datetime | None = None) -> dict[str, Any]:
    async with get_database().session() as s:
        return await pk.registration_options(s, **_who(p), now=now)


async def _register(p: svc.Principal, answer: dict[str, Any], now: datetime | None = None) -> pk.PasskeyInfo:
    async with get_database().session() as s:
        return await pk.register(s, answer, **_who(p), now=now)


async def _login_options(now: datetime | None = None) -> dict[str, Any]:
    async with get_database().session() as s:
        return await pk.authentication_options(s, now=now)


async def _login(answer: dict[str, Any], now: datetime | None = None) -> pk.PasskeyLogin:
    async with get_database().session() as s:
        return await pk.login(s, answer, now=now)


async def _refused(reason: str, coro: Any) -> Refused:
    with pytest.raises(Refused) as exc:
        await coro
    assert exc.value.reason == reason, exc.value.detail
    assert exc.value.title_ja and exc.value.detail_ja
    return exc.value


def _authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(get_settings().resolved_base_url)


async def _enrolled(issue: IssueFn) -> tuple[Any, Any, svc.Principal, SoftAuthenticator]:
    card, sim = await issue()
    p = (await _card_login(sim)).principal
    auth = _authenticator()
    await _register(p, auth.create(await _options(p)))
    return card, sim, p, auth


async def test_enrol_after_card_login_then_log_in_with_the_passkey(issue: IssueFn) -> None:
    card, _sim, p, auth = await _enrolled(issue)
    options = await _login_options()
    assert options["userVerification"] == "required" and not options.get("allowCredentials")
    result = await _login(auth.get(options))
    row = result.session_row
    assert row.method == "passkey" and row.card_serial == card.auth_serial and row.holder_ref == p.holder_ref
    async with get_database().session() as s:
        principal = await svc.principal_for_token(s, result.token)
        listed = await pk.passkeys_of(s, p.holder_ref or "")
    assert principal is not None and principal.method == "passkey"
    assert len(listed) == 1 and listed[0].last_used_at is not None and listed[0].revoked_at is None
    kinds = [e["type"] for e in await audit_rows("passkey:")]
    assert kinds == ["passkey:registered", "passkey:auth:success"]


async def test_registration_options_ask_for_a_discoverable_verified_credential(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    options = await _options(p)
    sel = options["authenticatorSelection"]
    assert sel["residentKey"] == "required" and sel["userVerification"] == "required"
    assert (
        options["attestation"] == "none" and {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    )
    assert options["rp"]["id"] == pk.relying_party(get_settings())[0]


async def test_a_passkey_session_cannot_enrol_another_passkey(issue: IssueFn) -> None:
    _card, _sim, _p, auth = await _enrolled(issue)
    result = await _login(auth.get(await _login_options()))
    async with get_database().session() as s:
        principal = await svc.principal_for_token(s, result.token)
    assert principal is not None
    await _refused("passkey-needs-card", _options(principal))


async def test_enrolment_long_after_the_card_login_is_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    late = datetime.now(UTC) + pk.ENROL_WITHIN + timedelta(minutes=1)
    await _refused("passkey-needs-card", _options(p, now=late))


async def test_expired_enrolment_challenge_is_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    answer = _authenticator().create(await _options(p))
    await _refused(
        "passkey-challenge-expired", _register(p, answer, now=datetime.now(UTC) + timedelta(minutes=6))
    )


async def test_wrong_origin_is_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    answer = _authenticator().create(await _options(p), origin="https://evil.example")
    err = await _refused("passkey-invalid", _register(p, answer))
    assert "origin" in (err.detail or "").lower()
    _c, _s, _p, auth = await _enrolled(issue)
    await _refused("passkey-invalid", _login(auth.get(await _login_options(), origin="https://evil.example")))


async def test_wrong_rp_id_and_missing_user_verification_are_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    await _refused(
        "passkey-invalid", _register(p, _authenticator().create(await _options(p), rp_id="evil.example"))
    )
    await _refused("passkey-invalid", _register(p, _authenticator().create(await _options(p), uv=False)))
    _c, _s, _p, auth = await _enrolled(issue)
    await _refused("passkey-invalid", _login(auth.get(await _login_options(), uv=False)))


async def test_replayed_challenges_are_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    answer = _authenticator().create(await _options(p))
    await _register(p, answer)
    await _refused("passkey-challenge-replayed", _register(p, answer))
    _c, _s, _p, auth = await _enrolled(issue)
    assertion = auth.get(await _login_options())
    await _login(assertion)
    await _refused("passkey-challenge-replayed", _login(assertion))


async def test_a_registration_challenge_of_another_session_is_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    first = (await _card_login(sim)).principal
    second = (await _card_login(sim)).principal
    answer = _authenticator().create(await _options(first))
    await _refused("passkey-challenge-unknown", _register(second, answer))
    # nor a login challenge used to register
    await _refused(
        "passkey-challenge-unknown",
        _register(
            first,
            _authenticator().create(
                {**await _options(first), "challenge": (await _login_options())["challenge"]}
            ),
        ),
    )


async def test_counter_regression_is_refused(issue: IssueFn) -> None:
    _card, _sim, _p, auth = await _enrolled(issue)
    await _login(auth.get(await _login_options(), sign_count=5))
    await _refused("passkey-counter-regressed", _login(auth.get(await _login_options(), sign_count=3)))
    await _refused("passkey-counter-regressed", _login(auth.get(await _login_options(), sign_count=5)))
    await _login(auth.get(await _login_options(), sign_count=6))


async def test_a_tampered_signature_is_refused(issue: IssueFn) -> None:
    _card, _sim, _p, auth = await _enrolled(issue)
    assertion = auth.get(await _login_options())
    other = SoftAuthenticator(auth.origin)
    other.credential_id, other.user_handle = auth.credential_id, auth.user_handle
    forged = other.get(await _login_options())  # same credential id, another key
    await _refused("passkey-invalid", _login(forged))
    await _login(assertion)


async def test_unknown_passkey_is_refused(issue: IssueFn) -> None:
    await issue()
    stranger = _authenticator()
    stranger.user_handle = b"x" * 16
    await _refused("passkey-unknown", _login(stranger.get(await _login_options())))


async def test_revoking_the_card_revokes_its_passkeys(issue: IssueFn) -> None:
    card, _sim, p, auth = await _enrolled(issue)
    async with get_database().session() as s:
        await revoke_card(s, serial=card.auth_serial, reason="lost")
    await _refused("passkey-revoked", _login(auth.get(await _login_options())))
    async with get_database().session() as s:
        listed = await pk.passkeys_of(s, p.holder_ref or "")
    assert listed[0].revoked_at is not None and listed[0].revocation_reason == "card-lost"


async def test_a_change_of_facts_keeps_the_passkeys(issue: IssueFn) -> None:
    card, _sim, _p, auth = await _enrolled(issue)
    async with get_database().session() as s:
        await revoke_card(s, serial=card.auth_serial, reason="facts-changed")
    result = await _login(auth.get(await _login_options()))
    assert result.session_row.method == "passkey"


async def test_a_removed_passkey_no_longer_logs_in(issue: IssueFn) -> None:
    _card, _sim, p, auth = await _enrolled(issue)
    async with get_database().session() as s:
        [info] = await pk.passkeys_of(s, p.holder_ref or "")
        assert not await pk.remove(s, "someone-else", info.id)
        assert await pk.remove(s, p.holder_ref or "", info.id)
    await _refused("passkey-revoked", _login(auth.get(await _login_options())))


async def test_malformed_answers_are_refused(issue: IssueFn) -> None:
    _card, sim = await issue()
    p = (await _card_login(sim)).principal
    await _refused("passkey-invalid", _register(p, {"id": "x"}))
    await _refused("passkey-invalid", _login({"id": "x", "rawId": "x", "response": {}}))


async def test_the_http_api_enrols_and_logs_in_with_problem_json_refusals(
    issue: IssueFn, client: Any
) -> None:
    import base64

    _card, sim = await issue()
    ch = (await client.post("/api/auth/challenge")).json()
    raw = base64.b64decode(ch["challenge"])
    login = await client.post(
        "/api/auth/login",
        json={
            "challenge": ch["challenge"],
            "signature": base64.b64encode(sim.authenticate(PIN, raw)).decode(),
            "certificate": sim.auth_certificate_pem().decode(),
            "session": "bearer",
        },
    )
    card_auth = {"authorization": "Bearer " + login.json()["token"]}
    options = (await client.post("/api/auth/passkeys/registration-options", headers=card_auth)).json()
    auth = SoftAuthenticator(get_settings().resolved_base_url)
    made = await client.post(
        "/api/auth/passkeys", json={"credential": auth.create(options)}, headers=card_auth
    )
    assert made.status_code == 201, made.text
    assert [
        p["id"] for p in (await client.get("/api/auth/passkeys", headers=card_auth)).json()["passkeys"]
    ] == [made.json()["id"]]
    # a bad answer: problem+json in both languages
    bad = await client.post(
        "/api/auth/passkeys/login",
        json={
            "credential": auth.get((await client.post("/api/auth/passkeys/login-options")).json(), uv=False)
        },
    )
    assert bad.status_code == 401 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["reason"] == "passkey-invalid" and bad.json()["title_ja"]
    options = (await client.post("/api/auth/passkeys/login-options")).json()
    done = await client.post(
        "/api/auth/passkeys/login", json={"credential": auth.get(options), "session": "bearer"}
    )
    assert done.status_code == 200 and done.json()["method"] == "passkey"
    passkey_auth = {"authorization": "Bearer " + done.json()["token"]}
    me = (await client.get("/api/auth/me", headers=passkey_auth)).json()
    assert me["method"] == "passkey"
    again = await client.post("/api/auth/passkeys/registration-options", headers=passkey_auth)
    assert again.status_code == 403 and again.json()["reason"] == "passkey-needs-card"
    gone = await client.delete("/api/auth/passkeys/" + made.json()["id"], headers=card_auth)
    assert gone.status_code == 204
    assert (
        await client.delete("/api/auth/passkeys/" + made.json()["id"], headers=card_auth)
    ).status_code == 404
