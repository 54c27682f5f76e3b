"""The birth story across the reference agencies, through the real hub.

The palm obtains the hospital's 出生証明書 for the mother (bound to a key it holds for her),
then the parent files the 出生届 with it at the municipality; each agency sees only the hub.
"""

from __future__ import annotations

from typing import Any

from tenohira.agencies.membership import close_member_clients, member_client
from tenohira.agencies.municipality import household_of, hub_code_for_resident, service
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

        challenge = service.issue_presentation_nonce(settings)
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
        async with db.session() as session:
            members = await household_of(session, "H000001")
        assert len(members) == 4 and members[-1].name.endswith("陽葵")
        assert members[1].expecting_due_date is None
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
