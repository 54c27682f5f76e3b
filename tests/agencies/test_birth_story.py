"""The birth story across the reference agencies, through the real hub.

The palm obtains the hospital's 出生証明書 for the mother (bound to a key it holds for her),
then the parent files the 出生届 with it at the municipality; each agency sees only the hub.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tenohira.agencies.membership import close_member_clients, member_client
from tenohira.agencies.municipality import household_of, hub_code_for_resident
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.credentials import generate_key, present, public_jwk
from tenohira.hub import HubClient, load_member_credentials


async def test_birth_certificate_then_birth_notification(live_server: Any) -> None:
    settings = get_settings()
    db = get_database(settings)
    async with db.session() as session:
        father_code = await hub_code_for_resident(session, "R0000001")
        mother_code = await hub_code_for_resident(session, "R0000002")
        family = await household_of(session, "H000001")
    municipality = member_client(settings, "municipality")
    palm = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)
    try:
        father = await palm.redeem(await municipality.introduce(father_code, "palm"))
        mother = await palm.redeem(await municipality.introduce(mother_code, "palm"))
        mother_record = family[1]
        holder = generate_key()  # the wallet key the palm keeps for the mother

        # first contact without facts: the hospital cannot tell who this is
        unknown = await palm.call(
            "hospital.birth-certificate",
            subject_code=mother,
            purpose="birth-notification",
            json={"holder_jwk": public_jwk(holder)},
            method="GET",
        )
        assert unknown.status == 404

        issued = await palm.call(
            "hospital.birth-certificate",
            subject_code=mother,
            purpose="birth-notification",
            json={
                "holder_jwk": public_jwk(holder),
                "person": {"name": mother_record.name, "birth_date": mother_record.birth_date.isoformat()},
            },
            method="GET",
        )
        certificates = issued.raise_for_problem().json()["certificates"]
        assert len(certificates) == 1
        sdjwt = certificates[0]["credential"]

        # the hospital claims the lump sum from the mother's insurer (direct payment), by itself
        claims: list[dict[str, Any]] = []
        for _ in range(100):
            status = await palm.call(
                "insurer.lump-sum", subject_code=mother, purpose="lump-sum-claim", json={"action": "status"}
            )
            claims = status.raise_for_problem().json()["claims"]
            if claims:
                break
            await asyncio.sleep(0.1)
        assert claims and claims[0]["direct_payment"] is True
        assert claims[0]["amount"] == 500_000  # births from 2023-04-01 at a scheme institution
        assert claims[0]["to_hospital"] + claims[0]["to_insured"] == 500_000

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
            sdjwt,
            holder_key=holder,
            audience=challenge["audience"],
            nonce=challenge["nonce"],
            disclose=["sex", "birth_datetime", "birth_place", "certifier", "mother_name", "birth_weight_g"],
        )
        filed = await palm.call(
            "municipality.birth-notification",
            subject_code=father,
            purpose="birth-notification",
            json={
                "given_name": "陽葵",
                "given_name_kana": "ひまり",
                "birth_certificate": presentation,
                "nonce": challenge["nonce"],
            },
        )
        body = filed.raise_for_problem().json()
        assert body["child"]["name_kana"].endswith("ヒマリ")
        # the newborn becomes the father's dependant at his employees' health insurance
        added = await palm.call(
            "insurer.add-dependant",
            subject_code=father,
            purpose="dependant-application",
            json={
                "name": body["child"]["name"],
                "name_kana": body["child"]["name_kana"],
                "birth_date": body["child"]["birth_date"],
                "sex": body["child"]["sex"],
                "relation": "child",
                "reason": "birth",
            },
        )
        notice = added.raise_for_problem().json()
        assert added.status == 201 and notice["role"] == "dependant" and notice["insurance"] == "employee"
        # asked about the child later, the insurer recognises the dependant (via the registry's facts)
        child = await palm.redeem(body["child_ticket"])
        kind = await palm.call("insurer.insurance-type", subject_code=child, purpose="prefill")
        assert kind.raise_for_problem().json()["role"] == "dependant"

        async with db.session() as session:
            members = await household_of(session, "H000001")
        assert len(members) == 4 and members[-1].name.endswith("陽葵")
        assert members[1].expecting_due_date is None
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
