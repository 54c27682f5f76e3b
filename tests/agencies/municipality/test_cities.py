"""A second city (core/cities.toml) is a member of its own: its own keys, database and residents,
reached only through the hub."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tenohira.agencies.membership import close_member_clients, member_client
from tenohira.agencies.municipality import service
from tenohira.core import get_database, get_settings
from tenohira.core.cities import city, city_settings
from tenohira.core.config import settings_scope
from tenohira.core.db import dispose_databases
from tenohira.hub import HubClient, load_member_credentials


async def test_the_second_city_answers_through_the_hub_from_its_own_database(live_server: Any) -> None:
    settings = get_settings()
    yubisaki = city(settings, "990027")
    own = city_settings(settings, yubisaki)
    assert own.resolved_database_url != settings.resolved_database_url
    assert (own.resolved_data_dir / "municipality.db").exists()
    assert (own.resolved_data_dir / "members" / yubisaki.member / "key.pem").exists()
    assert not (settings.resolved_data_dir / "members" / yubisaki.member).exists()
    assert (own.resolved_data_dir / "vault").is_dir()  # its own vault sites

    # the city's registry is sealed under its own vault: read it as the city does
    with settings_scope(own):
        async with get_database(own).session() as session:
            code = await service.hub_code(
                session, own, "R0000001", member_client(own, yubisaki.member).register_subject
            )
    palm = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)
    try:
        palm_code = await palm.redeem(await member_client(own, yubisaki.member).introduce(code, "palm"))
        answer = await palm.call(
            f"{yubisaki.member}.basic-facts", subject_code=palm_code, purpose="prefill", method="GET"
        )
        facts = answer.raise_for_problem().json()
        assert facts["address"].startswith("ゆびさき町")
        # the same registry number at 手のひら市 is someone else, in another database
        primary = await palm.call(
            "municipality.basic-facts", subject_code=palm_code, purpose="prefill", method="GET"
        )
        assert primary.status == 404
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()


async def test_move_out_facts_go_from_the_old_city_to_the_new_through_the_hub(live_server: Any) -> None:
    import sqlalchemy as sa

    from tenohira.agencies.municipality import move_exchange, repository
    from tenohira.agencies.municipality.models import MoveOutFacts
    from tenohira.core.problems import Problem

    settings = get_settings()
    yubisaki = city(settings, "990027")
    own = city_settings(settings, yubisaki)
    planned = date(2026, 12, 20)
    try:
        async with get_database(settings).session() as session:
            # an address not in ゆびさき町's list: refused by the new city, told to the resident
            with pytest.raises(Problem) as refused:
                await move_exchange.send_facts(
                    session,
                    settings,
                    resident_id="R0000001",
                    destination=yubisaki,
                    district_id="9900279999999",
                    address_line="1-2-3",
                    planned_move_date=planned,
                )
            assert refused.value.slug == "address-not-in-city", refused.value.body().get("errors")
            assert refused.value.title_ja
            answer = await move_exchange.send_facts(
                session,
                settings,
                resident_id="R0000001",
                destination=yubisaki,
                district_id="9900270001001",
                address_line="4-5-6",
                planned_move_date=planned,
            )
            assert answer["received"] and answer["municipality"] == "990027"
            assert answer["special_move_in_until"] == "2027-01-18"
            again = await move_exchange.send_facts(
                session,
                settings,
                resident_id="R0000001",
                destination=yubisaki,
                district_id="9900270001001",
                address_line="4-5-6",
                planned_move_date=planned,
            )
            assert again.get("already_received")
            old_code = await repository.hub_code_of(session, "R0000001")
        with settings_scope(own):
            async with get_database(own).session() as session:
                rows = (await session.execute(sa.select(MoveOutFacts))).scalars().all()
                assert len(rows) == 1 and rows[0].code != old_code  # the hub translated the code
                assert b"R0000001" not in rows[0].facts and "手のひら市".encode() not in rows[0].facts
                facts = await repository.move_out_facts(session, rows[0].code)
                assert facts is not None and facts["previous_address"].startswith("手のひら市")
                assert facts["district_id"] == "9900270001001" and "individual_number" not in facts
    finally:
        await close_member_clients()
        await dispose_databases()
