"""A second city (core/cities.toml) is a member of its own: its own keys, database and residents,
reached only through the hub."""

from __future__ import annotations

from typing import Any

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
