"""The HTTP API: /api/auth/* with cookies and bearer tokens, problem+json refusals, /pki/*."""

from __future__ import annotations

import base64

import httpx
from cryptography import x509

from tenohira.core import get_database
from tenohira.identity import revoke_card

from .conftest import PIN, IssueFn, audit_rows


async def _signed(client: httpx.AsyncClient, sim: object, pin: str = PIN) -> dict[str, str]:
    r = await client.post("/api/auth/challenge")
    assert r.status_code == 201
    body = r.json()
    challenge = base64.b64decode(body["challenge"])
    sig = sim.authenticate(pin, challenge)  # type: ignore[attr-defined]
    return {
        "challenge": body["challenge"],
        "signature": base64.b64encode(sig).decode(),
        "certificate": sim.auth_certificate_pem().decode(),  # type: ignore[attr-defined]
    }


async def test_cookie_login_me_logout(client: httpx.AsyncClient, issue: IssueFn) -> None:
    card, sim = await issue()
    r = await client.post("/api/auth/login", json=await _signed(client, sim))
    assert r.status_code == 200, r.text
    assert r.json()["card_serial"] == card.auth_serial and r.json()["token"] is None
    set_cookie = r.headers["set-cookie"]
    assert "tenohira_session=" in set_cookie
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Path=/" in set_cookie
    token = r.cookies["tenohira_session"]
    me = await client.get("/api/auth/me")  # the client's cookie jar sends it back
    assert (
        me.status_code == 200
        and me.json()["card_serial"] == card.auth_serial
        and me.json()["via"] == "cookie"
    )
    out = await client.post("/api/auth/logout")
    assert out.status_code == 204
    assert "tenohira_session" not in client.cookies
    me = await client.get("/api/auth/me", headers={"Cookie": f"tenohira_session={token}"})
    assert me.status_code == 401
    assert me.headers["content-type"].startswith("application/problem+json")


async def test_bearer_login_for_api_clients(client: httpx.AsyncClient, issue: IssueFn) -> None:
    _card, sim = await issue()
    r = await client.post("/api/auth/login", json={**await _signed(client, sim), "session": "bearer"})
    assert r.status_code == 200
    token = r.json()["token"]
    assert token and "set-cookie" not in r.headers
    me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["via"] == "bearer"
    assert (await client.get("/api/auth/me", headers={"Authorization": "Bearer nope"})).status_code == 401
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_secure_cookie_in_production(
    client: httpx.AsyncClient, issue: IssueFn, monkeypatch: object
) -> None:
    from tenohira.core import Settings
    from tenohira.identity.api import cookie_secure

    assert cookie_secure(Settings(environment="production"))
    assert cookie_secure(Settings(base_url="https://tenohira.example"))
    assert not cookie_secure(Settings(environment="test"))


async def test_refusals_are_problem_json_with_reason_and_logged(
    client: httpx.AsyncClient, issue: IssueFn
) -> None:
    card, sim = await issue()
    body = await _signed(client, sim)
    assert (await client.post("/api/auth/login", json=body)).status_code == 200
    replay = await client.post("/api/auth/login", json=body)
    assert replay.status_code == 401
    assert replay.headers["content-type"].startswith("application/problem+json")
    problem = replay.json()
    assert problem["type"] == "urn:tenohira:problem:challenge-replayed"
    assert problem["reason"] == "challenge-replayed" and problem["title_ja"] and problem["detail_ja"]
    # the refusal is in the transparency log although the login's transaction rolled back
    failures = [e for e in await audit_rows("card:auth:failure")]
    assert failures[-1]["actor"] == card.auth_serial
    assert failures[-1]["attributes"] == {"reason": "challenge-replayed"}


async def test_a_refused_attempt_burns_its_challenge(client: httpx.AsyncClient, issue: IssueFn) -> None:
    _, sim = await issue()
    body = await _signed(client, sim)
    bad = {**body, "signature": base64.b64encode(b"\x01" * 256).decode()}
    r = await client.post("/api/auth/login", json=bad)
    assert r.json()["reason"] == "signature-invalid"
    r = await client.post("/api/auth/login", json=body)
    assert r.json()["reason"] == "challenge-replayed"


async def test_malformed_inputs_get_field_errors(client: httpx.AsyncClient, issue: IssueFn) -> None:
    _, sim = await issue()
    body = await _signed(client, sim)
    r = await client.post("/api/auth/login", json={**body, "signature": "***"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "signature"
    assert r.json()["errors"][0]["message_ja"]
    r = await client.post("/api/auth/login", json={"challenge": body["challenge"]})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"signature", "certificate"}
    r = await client.post("/api/auth/login", json={**body, "certificate": body["certificate"][:200]})
    assert r.status_code == 422 and r.json()["reason"] == "certificate-malformed"


async def test_revocation_takes_effect_for_login_at_once(client: httpx.AsyncClient, issue: IssueFn) -> None:
    card, sim = await issue()
    r = await client.post("/api/auth/login", json={**await _signed(client, sim), "session": "bearer"})
    token = r.json()["token"]
    async with get_database().session() as s:
        await revoke_card(s, serial=card.sign_serial, reason="lost")
    assert (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    r = await client.post("/api/auth/login", json=await _signed(client, sim))
    assert r.status_code == 401 and r.json()["reason"] == "certificate-revoked"
    # and the published CRL lists both certificates
    crl = x509.load_der_x509_crl((await client.get("/pki/crl/issuing-ca.crl")).content)
    assert {format(e.serial_number, "X") for e in crl} == {card.auth_serial, card.sign_serial}


async def test_lockout_report_is_logged(client: httpx.AsyncClient, issue: IssueFn) -> None:
    card, sim = await issue()
    r = await client.post(
        "/api/auth/lockout", json={"certificate": sim.auth_certificate_pem().decode(), "secret": "pin"}
    )
    assert r.status_code == 202 and r.json()["serial"] == card.auth_serial
    assert "窓口" in r.json()["unlock_ja"]
    events = await audit_rows("card:lockout")
    assert events == [
        {
            "type": "card:lockout",
            "actor": "card-holder",
            "subject": card.auth_serial,
            "attributes": {"secret": "pin"},
        }
    ]
    r = await client.post("/api/auth/lockout", json={"certificate": "junk", "secret": "pin"})
    assert r.status_code == 422


async def test_pki_serves_ca_certificates_and_crls(client: httpx.AsyncClient, issue: IssueFn) -> None:
    index = (await client.get("/pki/")).json()
    assert index["crls"][0].endswith("/pki/crl/issuing-ca.crl")
    chain = await client.get("/pki/ca-chain.pem")
    assert chain.status_code == 200 and chain.text.count("BEGIN CERTIFICATE") == 2
    root = x509.load_pem_x509_certificate((await client.get("/pki/root-ca.pem")).content)
    issuing = x509.load_pem_x509_certificate((await client.get("/pki/issuing-ca.pem")).content)
    issuing.verify_directly_issued_by(root)
    crl_resp = await client.get("/pki/crl/issuing-ca.crl")
    assert crl_resp.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(crl_resp.content)
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    root_crl = x509.load_der_x509_crl((await client.get("/pki/crl/root-ca.crl")).content)
    assert root_crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
    assert (await client.get("/pki/crl/nope.crl")).status_code == 404
    assert (await client.get("/pki/nope.pem")).status_code == 404


async def test_trust_cache_fetches_from_pki_and_refreshes(client: httpx.AsyncClient, issue: IssueFn) -> None:
    from tenohira.identity import Refused, TrustCache, verify_document_signature

    from .conftest import PASSWORD

    card, sim = await issue()
    transport = client._transport  # the same in-process app
    cache = TrustCache("http://test", max_age=3600, transport=transport)
    doc = b"application"
    sig = sim.sign(PASSWORD, doc)
    first = await cache.get()
    assert verify_document_signature(doc, sig, trust=first).serial == card.sign_serial
    assert await cache.get() is first  # kept while fresh
    async with get_database().session() as s:
        await revoke_card(s, serial=card.sign_serial, reason="lost")
    assert verify_document_signature(doc, sig, trust=await cache.get())  # still the old CRL
    cache.invalidate()
    try:
        verify_document_signature(doc, sig, trust=await cache.get())
        raise AssertionError("revoked signature verified after refresh")
    except Refused as exc:
        assert exc.reason == "certificate-revoked"
    zero = TrustCache("http://test", max_age=0, transport=transport)
    assert await zero.get() is not await zero.get()
