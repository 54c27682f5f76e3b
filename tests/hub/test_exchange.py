"""Exchanges over real HTTP: code translation, refusals, the exchange log, the access history."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tenohira.hub import HubClient, HubResponseError

pytestmark = pytest.mark.timeout(120)


async def _people(hub: Any) -> dict[str, str]:
    """One resident registered by the municipality, card-linked, known to the palm and the insurer."""
    async with (
        hub.client("municipality") as muni,
        hub.client("palm") as palm,
        hub.client("insurer") as insurer,
    ):
        code_m = await muni.register_subject()
        await muni.link_card(code_m, "CARD-AUTH-0001")
        code_p = await palm.resolve_card("CARD-AUTH-0001")
        ticket = await muni.introduce(code_m, "insurer")
        code_i = await insurer.redeem(ticket)
    return {"municipality": code_m, "palm": code_p, "insurer": code_i}


async def test_end_to_end_exchange_translates_codes(hub_server: Any) -> None:
    codes = await _people(hub_server)
    assert len(set(codes.values())) == 3, "the same person has a different code at each member"
    async with hub_server.client("palm") as palm:
        answer = await palm.call("municipality.basic-facts", subject_code=codes["palm"], purpose="prefill")
    assert answer.status == 200 and answer.provider == "municipality" and answer.exchange_id
    seen = answer.json()
    # the provider was told its own code, never the palm's
    assert seen["code"] == codes["municipality"]
    assert seen == {**seen, "client": "palm", "service": "municipality.basic-facts", "purpose": "prefill"}
    # the palm resolving the same card again gets the same code (stable per member)
    async with hub_server.client("palm") as palm:
        assert await palm.resolve_card("CARD-AUTH-0001") == codes["palm"]

    # the insurer's code (learned through an introduction) reaches the same person
    async with hub_server.client("insurer") as insurer:
        answer = await insurer.call(
            "municipality.basic-facts", subject_code=codes["insurer"], purpose="dependant-check"
        )
        assert answer.json()["code"] == codes["municipality"]
        # a code from another member is meaningless here
        forwarded = hub_server.forwarded()
        foreign = await insurer.call(
            "municipality.basic-facts", subject_code=codes["palm"], purpose="dependant-check"
        )
    assert foreign.status == 404 and foreign.problem["type"] == "urn:tenohira:problem:hub-unknown-subject"
    assert codes["palm"] not in foreign.content.decode()
    assert hub_server.forwarded() == forwarded


async def test_post_body_is_forwarded_with_digest(hub_server: Any) -> None:
    codes = await _people(hub_server)
    async with hub_server.client("palm") as palm:
        answer = await palm.call(
            "municipality.birth-notification",
            subject_code=codes["palm"],
            purpose="birth-notification",
            json={"child_name": "手のひら 花子", "name_kana": "てのひら はなこ"},
        )
    assert answer.status == 200
    assert answer.json()["body"] == {"child_name": "手のひら 花子", "name_kana": "てのひら はなこ"}


async def _raw(
    hub: Any, client: HubClient, method: str, path: str, body: bytes, extra: dict[str, str], **kw: Any
) -> httpx.Response:
    url = hub.hub_url + path
    headers = client.signed_headers(method, url, body, extra, **kw)
    async with httpx.AsyncClient() as http:
        return await http.request(method, url, content=body, headers=headers)


def _type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["type"]).removeprefix("urn:tenohira:problem:")


async def test_every_refusal_has_its_type_and_nothing_is_forwarded(hub_server: Any) -> None:
    codes = await _people(hub_server)
    palm = hub_server.client("palm")
    path = "/exchange/municipality.basic-facts"
    purpose = {"hub-purpose": "prefill", "hub-subject": codes["palm"]}
    before = hub_server.forwarded()
    async with httpx.AsyncClient() as http:
        # unsigned
        r = await http.get(hub_server.hub_url + path, headers=purpose)
        assert (r.status_code, _type(r)) == (401, "hub-unsigned")
        # bad signature: a covered header changed after signing
        headers = palm.signed_headers("GET", hub_server.hub_url + path, b"", purpose)
        headers["hub-purpose"] = "eligibility-check"
        r = await http.get(hub_server.hub_url + path, headers=headers)
        assert (r.status_code, _type(r)) == (401, "hub-bad-signature")
        # digest mismatch: body changed after signing
        url = hub_server.hub_url + "/exchange/municipality.birth-notification"
        headers = palm.signed_headers(
            "POST", url, b'{"a":1}', {"hub-purpose": "birth-notification", "hub-subject": codes["palm"]}
        )
        r = await http.post(url, content=b'{"a":2}', headers=headers)
        assert (r.status_code, _type(r)) == (400, "hub-digest-mismatch")
    # stale date
    r = await _raw(hub_server, palm, "GET", path, b"", purpose, created=int(time.time()) - 3600)
    assert (r.status_code, _type(r)) == (401, "hub-stale-date")
    # replay: the very same signed request twice
    headers = palm.signed_headers("GET", hub_server.hub_url + path, b"", purpose)
    async with httpx.AsyncClient() as http:
        first = await http.get(hub_server.hub_url + path, headers=headers)
        assert first.status_code == 200
        before = hub_server.forwarded()
        second = await http.get(hub_server.hub_url + path, headers=headers)
    assert (second.status_code, _type(second)) == (401, "hub-replay")
    # unknown member: a key the hub never certified
    stranger = HubClient(
        "stranger", ec.generate_private_key(ec.SECP256R1()), palm.certificate, hub_server.hub_url
    )
    r = await _raw(hub_server, stranger, "GET", path, b"", purpose)
    assert (r.status_code, _type(r)) == (401, "hub-unknown-member")
    # a member's id with another key
    impostor = HubClient(
        "palm", ec.generate_private_key(ec.SECP256R1()), palm.certificate, hub_server.hub_url
    )
    r = await _raw(hub_server, impostor, "GET", path, b"", purpose)
    assert (r.status_code, _type(r)) == (401, "hub-bad-signature")
    # no access right: the palm may not ask for this purpose
    r = await _raw(hub_server, palm, "GET", path, b"", {**purpose, "hub-purpose": "marketing"})
    assert (r.status_code, _type(r)) == (403, "hub-no-access-right")
    # unknown subject: nothing about the code comes back
    r = await _raw(hub_server, palm, "GET", path, b"", {**purpose, "hub-subject": "nosuchcode"})
    assert (r.status_code, _type(r)) == (404, "hub-unknown-subject")
    assert "nosuchcode" not in r.text
    assert hub_server.forwarded() == before, "no refused request reached a provider"
    await palm.aclose()


async def test_refusals_are_signed_by_the_hub(hub_server: Any) -> None:
    codes = await _people(hub_server)
    async with hub_server.client("palm") as palm:
        answer = await palm.call("municipality.basic-facts", subject_code=codes["palm"], purpose="marketing")
    # HubClient verified the hub's signature bound to its request before handing this back
    assert answer.status == 403 and answer.problem["type"].endswith("hub-no-access-right")
    assert answer.problem["title_ja"]


async def test_suspended_and_revoked_members_are_refused_at_once(hub_server: Any) -> None:
    codes = await _people(hub_server)
    admin = {"authorization": f"Bearer {hub_server.admin_token}"}
    async with (
        httpx.AsyncClient(base_url=hub_server.hub_url) as http,
        hub_server.client("insurer") as insurer,
    ):
        ok = await insurer.call(
            "municipality.basic-facts", subject_code=codes["insurer"], purpose="dependant-check"
        )
        assert ok.status == 200
        r = await http.post("/admin/members/insurer/suspend", json={"reason": "audit"}, headers=admin)
        assert r.status_code == 200 and r.json()["status"] == "suspended"
        answer = await insurer.call(
            "municipality.basic-facts", subject_code=codes["insurer"], purpose="dependant-check"
        )
        assert answer.problem["type"].endswith("hub-member-suspended")
        r = await http.post("/admin/members/insurer/resume", json={}, headers=admin)
        assert r.status_code == 200
        assert (
            await insurer.call(
                "municipality.basic-facts", subject_code=codes["insurer"], purpose="dependant-check"
            )
        ).ok
        r = await http.post("/admin/members/insurer/revoke", json={"reason": "key lost"}, headers=admin)
        answer = await insurer.call(
            "municipality.basic-facts", subject_code=codes["insurer"], purpose="dependant-check"
        )
        assert answer.problem["type"].endswith("hub-member-revoked")
        # revocation is final
        r = await http.post("/admin/members/insurer/resume", json={}, headers=admin)
        assert r.status_code == 409
        # a provider that is not active is not forwarded to either
    async with hub_server.client("palm") as palm:
        answer = await palm.call("insurer.insurance-type", subject_code=codes["palm"], purpose="prefill")
    assert answer.status == 502 and answer.problem["type"].endswith("hub-provider-unavailable")


async def test_admin_api_needs_the_token(hub_server: Any) -> None:
    async with httpx.AsyncClient(base_url=hub_server.hub_url) as http:
        r = await http.get("/admin/members")
        assert (r.status_code, _type(r)) == (401, "hub-admin-unauthorized")
        r = await http.get("/admin/members", headers={"authorization": "Bearer wrong"})
        assert r.status_code == 401
        r = await http.get("/admin/members", headers={"authorization": f"Bearer {hub_server.admin_token}"})
        assert r.status_code == 200
        assert {m["id"] for m in r.json()} >= {"palm", "municipality", "hospital", "insurer", "card-issuer"}


async def test_allowed_services_lists_only_granted(hub_server: Any) -> None:
    async with hub_server.client("hospital") as hospital:
        services = await hospital.services()
    assert {s["id"] for s in services} == {"insurer.insurance-type", "insurer.lump-sum"}
    lump = next(s for s in services if s["id"] == "insurer.lump-sum")
    assert lump["purposes"][0]["purpose"] == "direct-payment" and lump["method"] == "POST"


async def test_roles_are_enforced(hub_server: Any) -> None:
    async with hub_server.client("hospital") as hospital:
        answer = await hospital.send("POST", "/subjects", json={})
    assert answer.status == 403 and answer.problem["type"].endswith("hub-role-required")
    async with hub_server.client("insurer") as insurer:
        answer = await insurer.send("GET", "/history", params={"code": "x"})
    assert answer.problem["type"].endswith("hub-role-required")


async def test_provider_refuses_requests_not_from_the_hub(hub_server: Any) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.get(
            hub_server.url + "/agencies/municipality/services/basic-facts", headers={"hub-exchange-id": "x"}
        )
    assert (r.status_code, _type(r)) == (401, "hub-unsigned")
    assert hub_server.calls["municipality"].count == 0
    # a member's own signature is not the hub's
    async with hub_server.client("palm") as palm:
        url = hub_server.url + "/agencies/municipality/services/basic-facts"
        headers = palm.signed_headers("GET", url, b"", {"hub-exchange-id": "x"})
        headers["signature-input"] = headers["signature-input"].replace("sig=", "hub=", 1)
        headers["signature"] = headers["signature"].replace("sig=", "hub=", 1)
        async with httpx.AsyncClient() as http:
            r = await http.get(url, headers=headers)
    assert r.status_code == 401 and hub_server.calls["municipality"].count == 0


async def test_client_rejects_an_answer_not_signed_by_the_hub(hub_server: Any) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake hub")])
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    fake = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(other.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(other, hashes.SHA256())
    )
    async with hub_server.client("palm", hub_certificate=fake) as palm:
        palm.hub_certificate = fake
        with pytest.raises(HubResponseError):
            await palm.services()


async def test_access_history_and_exchange_log(hub_server: Any) -> None:
    codes = await _people(hub_server)
    async with hub_server.client("palm") as palm, hub_server.client("insurer") as insurer:
        await palm.call("municipality.basic-facts", subject_code=codes["palm"], purpose="prefill")
        await insurer.call("municipality.household", subject_code=codes["insurer"], purpose="dependant-check")
        await palm.call(
            "municipality.basic-facts", subject_code=codes["palm"], purpose="marketing"
        )  # refused
        history = await palm.history(codes["palm"])
    assert [(e["client"], e["service"], e["purpose"]) for e in history] == [
        ("insurer", "municipality.household", "dependant-check"),
        ("palm", "municipality.basic-facts", "prefill"),
    ]
    household, facts = history
    assert household["third_party"] is True and facts["third_party"] is False
    assert facts["legal_basis"] and facts["provider_name"] and facts["at"]
    # another person's history does not include these
    async with hub_server.client("municipality") as muni, hub_server.client("palm") as palm:
        other = await muni.register_subject()
        await muni.link_card(other, "CARD-AUTH-0002")
        other_p = await palm.resolve_card("CARD-AUTH-0002")
        assert await palm.history(other_p) == []

    # the exchange log has every exchange, allowed and refused, with no code of the provider
    import sqlalchemy as sa

    from tenohira.audit.models import AuditEntry
    from tenohira.core import get_database
    from tenohira.core.db import dispose_databases

    async with get_database().session() as session:
        rows = (await session.scalars(sa.select(AuditEntry).where(AuditEntry.type == "hub:exchange"))).all()
    await dispose_databases()
    outcomes = [
        json.loads(r.attributes)["outcome"] if isinstance(r.attributes, str) else r.attributes["outcome"]
        for r in rows
    ]
    assert "forwarded" in outcomes and "refused:hub-no-access-right" in outcomes
    dumped = " ".join(str(r.__dict__) for r in rows)
    assert codes["municipality"] not in dumped, "the provider's code never appears in the log"
    # exchanges about a person log digests keyed by the subject's vault key (unlinkable once shredded)
    assert "request_hmac" in dumped and "response_hmac" in dumped


async def test_history_purge(hub_server: Any) -> None:
    import datetime as dt

    from tenohira.core import get_settings
    from tenohira.core.db import dispose_databases
    from tenohira.hub.tasks import purge_once

    codes = await _people(hub_server)
    async with hub_server.client("palm") as palm:
        await palm.call("municipality.basic-facts", subject_code=codes["palm"], purpose="prefill")
        assert len(await palm.history(codes["palm"])) == 1
        settings = get_settings()
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.access_history_retention_days + 1)
        _nonces, purged = await purge_once(settings, now=later)
        await dispose_databases()
        assert purged >= 1
        assert await palm.history(codes["palm"]) == []


async def test_health(hub_server: Any) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.get(hub_server.hub_url + "/health")
    body = r.json()
    assert r.status_code == 200, body
    assert set(body["checks"]) == {"keys", "database", "log", "certificates"}
    assert all(c["status"] == "ok" for c in body["checks"].values())


async def test_strangers_refused_exchanges_are_counted_not_logged_one_by_one(hub_server: Any) -> None:
    import asyncio

    from sqlalchemy import text

    from tenohira.audit import flush_refusals
    from tenohira.audit.refusals import tally_for
    from tenohira.core import get_database, get_settings

    path = hub_server.hub_url + "/exchange/municipality.basic-facts"
    async with httpx.AsyncClient() as http:
        for _ in range(50):
            r = await http.get(path, headers={"hub-purpose": "prefill"})
            assert (r.status_code, _type(r)) == (401, "hub-unsigned")
    await asyncio.sleep(0.3)  # the hub groups its log writes
    db = get_database()
    async with db.session() as session:
        q = "SELECT count(*) FROM audit_entries WHERE type = 'hub:exchange' AND actor = 'unauthenticated'"
        assert (await session.execute(text(q))).scalar_one() == 0
    assert tally_for(get_settings()).pending() == 50
    assert await flush_refusals(get_settings(), everything=True) == 1
    async with db.session() as session:
        q = "SELECT actor, attributes FROM audit_entries WHERE type = 'audit:refusals'"
        row = (await session.execute(text(q))).one()
    attributes = row.attributes if isinstance(row.attributes, dict) else json.loads(row.attributes)
    assert row.actor == "net:127.0.0.0/24"
    assert attributes["kind"] == "hub:exchange" and attributes["count"] == "50"
    assert attributes["reason:hub-unsigned"] == "50"
