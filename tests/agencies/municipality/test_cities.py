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


async def test_a_signed_move_out_at_the_old_city_sends_the_facts_once(
    live_server: Any, tmp_path: Any
) -> None:
    import base64
    from datetime import timedelta

    import sqlalchemy as sa

    from tenohira.agencies.municipality.models import MoveOutFacts
    from tenohira.core.clock import today_jst
    from tenohira.core.signed_documents import ManifestEntry, build_document, build_manifest, sha256_hex
    from tests.palm.conftest import PASSWORD, card_for

    settings = get_settings()
    card, issued = await card_for("R0000001", tmp_path / "card")
    palm = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)

    async def file(app_id: str, move_date: date, destination: str = "990027") -> Any:
        fields = {
            "move_date": move_date.isoformat(),
            "destination_municipality": destination,
            "destination_district": f"{destination}0001001",
            "destination_address_line": "4-5-6",
        }
        document = build_document(
            application_id=app_id,
            procedure="move_out",
            deciding_agency="municipality",
            fields=fields,
            flags=[],
            prepared_at="2026-12-03T09:00:00+00:00",
        )
        manifest = build_manifest(
            "S-" + app_id,
            [ManifestEntry(app_id, "move_out", "municipality", sha256_hex(document))],
            "2026-12-03T09:00:00+00:00",
        )
        body = {
            "application_id": app_id,
            "procedure": "move_out",
            "document": base64.b64encode(document).decode(),
            "manifest": base64.b64encode(manifest).decode(),
            "signature": base64.b64encode(card.sign(PASSWORD, manifest)).decode(),
        }
        return await palm.call(
            "municipality.application-intake", subject_code=code, purpose="application", json=body
        )

    try:
        code = await palm.resolve_card(issued.auth_serial)
        today = today_jst()
        r = await file("A-far", today + timedelta(days=31))
        assert r.status == 422 and r.json()["type"].endswith("move-out-outside-window"), r.json()
        r = await file("A-nowhere", today + timedelta(days=10), destination="011002")
        assert r.status == 422 and r.json()["type"].endswith("destination-not-on-platform"), r.json()
        r = await file("A-out", today + timedelta(days=10))
        assert r.status == 201, r.json()
        answer = r.json()
        assert answer["status"] == "accepted" and answer["destination"] == "990027"
        assert "ゆびさき町" in answer["reasons"][0]["ja"]
        assert (await file("A-out", today + timedelta(days=10))).json()["reference"] == answer["reference"]
        twice = await file("A-out-again", today + timedelta(days=12))
        assert twice.status == 409 and twice.json()["type"].endswith("move-out-already-filed")
        own = city_settings(settings, city(settings, "990027"))
        with settings_scope(own):
            async with get_database(own).session() as session:
                assert len((await session.execute(sa.select(MoveOutFacts))).scalars().all()) == 1
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
