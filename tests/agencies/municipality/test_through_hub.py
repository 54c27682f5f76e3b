"""The municipality's services, called by the palm through the real hub (signed HTTP end to end)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tenohira.agencies.membership import close_member_clients, member_client
from tenohira.agencies.municipality import hub_code_for_resident
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.credentials import (
    BIRTH_CERTIFICATE_VCT,
    IssuerMetadata,
    generate_key,
    issue,
    present,
    public_jwk,
    publish_issuer,
)
from tenohira.hub import HubClient, load_member_credentials

HOSPITAL = "urn:tenohira:hospital:test-through-hub"


async def test_the_municipality_answers_only_the_hub(live_server: Any) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        direct = await http.get(
            f"{live_server.url}/agencies/municipality/services/basic-facts", headers={"Hub-Subject": "x"}
        )
    assert direct.status_code in (400, 401, 403)
    assert direct.headers["content-type"].startswith("application/problem+json")


async def _palm_code_for(resident_id: str) -> tuple[HubClient, str]:
    settings = get_settings()
    async with get_database(settings).session() as session:
        code = await hub_code_for_resident(session, resident_id)
    ticket = await member_client(settings, "municipality").introduce(code, "palm")
    palm = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)
    return palm, await palm.redeem(ticket)


async def test_services_and_birth_notification_through_the_hub(live_server: Any) -> None:
    settings = get_settings()
    palm, father = await _palm_code_for("R0000001")
    try:
        facts = (
            await palm.call("municipality.basic-facts", subject_code=father, purpose="prefill")
        ).raise_for_problem()
        assert facts.json()["address"].startswith("手のひら市")
        household = (
            await palm.call("municipality.household", subject_code=father, purpose="eligibility-check")
        ).raise_for_problem()
        members = household.json()["members"]
        assert [m["relation"] for m in members] == ["head", "spouse", "child"]
        mother_name = members[1]["name"]
        tax = await palm.call(
            "municipality.resident-tax-status", subject_code=father, purpose="eligibility-check"
        )
        assert tax.raise_for_problem().json()["status"] in ("taxable", "per_capita_only", "non_taxable")

        # a purpose not granted is refused by the hub, before the municipality sees anything
        refused = await palm.call("municipality.basic-facts", subject_code=father, purpose="marketing")
        assert refused.status == 403

        # 出生届 with a birth certificate from a registered hospital
        hospital_key = generate_key()
        publish_issuer(
            settings.data_dir,
            IssuerMetadata(HOSPITAL, "hospital", "テスト病院", "Test hospital", (public_jwk(hospital_key),)),
        )
        holder = generate_key()
        now = datetime.now(UTC)
        claims = {
            "sex": "male",
            "birth_datetime": now.isoformat(),
            "birth_place": {"type": "hospital", "name": "テスト病院"},
            "birth_weight_g": 2980,
            "certifier": {"role": "doctor", "name": "佐藤　一郎"},
            "mother_name": mother_name,
        }
        sdjwt = issue(
            issuer=HOSPITAL,
            key=hospital_key,
            vct=BIRTH_CERTIFICATE_VCT,
            claims=claims,
            selectively_disclosable=list(claims),
            holder_jwk=public_jwk(holder),
            lifetime=timedelta(days=30),
        ).serialize()
        challenge = (
            (
                await palm.call(
                    "municipality.presentation-nonce", subject_code=father, purpose="birth-notification"
                )
            )
            .raise_for_problem()
            .json()
        )
        presentation = present(
            sdjwt, holder_key=holder, audience=challenge["audience"], nonce=challenge["nonce"]
        )
        filed = await palm.call(
            "municipality.birth-notification",
            subject_code=father,
            purpose="birth-notification",
            json={
                "given_name": "蓮",
                "given_name_kana": "レン",
                "birth_certificate": presentation,
                "nonce": challenge["nonce"],
            },
        )
        body = filed.raise_for_problem().json()
        assert filed.status == 201 and body["late"] is False
        assert body["child"]["name"].endswith("蓮") and body["child"]["name_kana"].endswith("レン")
        # "birth registered" left through the outbox, with references only
        import sqlalchemy as sa

        from tenohira.events.models import OutboxEvent

        async with get_database(settings).session() as session:
            events = (
                (await session.execute(sa.select(OutboxEvent).where(OutboxEvent.topic == "birth.registered")))
                .scalars()
                .all()
            )
        assert [e.key for e in events] == [body["notification_id"]]
        payload = events[0].payload
        assert payload["child_ticket"] == body["child_ticket"] and payload["late"] is False
        assert "蓮" not in str(payload) and mother_name not in str(payload)

        # the palm learns its own code for the child, which works at the hub
        child = await palm.redeem(body["child_ticket"])
        child_facts = await palm.call("municipality.basic-facts", subject_code=child, purpose="prefill")
        assert child_facts.raise_for_problem().json()["name"].endswith("蓮")

        # the same certificate again: refused by the municipality (problem+json through the hub)
        challenge = (
            (
                await palm.call(
                    "municipality.presentation-nonce", subject_code=father, purpose="birth-notification"
                )
            )
            .raise_for_problem()
            .json()
        )
        again = await palm.call(
            "municipality.birth-notification",
            subject_code=father,
            purpose="birth-notification",
            json={
                "given_name": "蓮",
                "given_name_kana": "レン",
                "birth_certificate": present(
                    sdjwt, holder_key=holder, audience=challenge["audience"], nonce=challenge["nonce"]
                ),
                "nonce": challenge["nonce"],
            },
        )
        assert again.status == 409
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
