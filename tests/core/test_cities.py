"""The cities of the demo world are configuration: valid codes, one primary, settings per city."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenohira.core.cities import _parse, cities, city, city_of_member, city_settings
from tenohira.core.config import Settings
from tenohira.core.identifiers import InvalidIdentifier


def test_two_cities_each_its_own_member_and_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, port=8123)
    configured = cities(settings)
    assert [c.code for c in configured] == ["990019", "990027"]
    assert configured[0].primary and configured[0].member == "municipality"
    second = city(settings, "990027")
    assert city_of_member(settings, "municipality-990027") == second
    own = city_settings(settings, second)
    assert own.municipality_code == "990027" and own.municipality_member == "municipality-990027"
    assert own.resolved_database_url != settings.resolved_database_url
    assert own.resolved_data_dir == tmp_path.resolve() / "cities" / "990027"
    # the hub and the CA are still the platform's
    assert own.resolved_hub_url == "http://127.0.0.1:8123/hub"
    assert own.seed != settings.seed
    primary = city_settings(settings, configured[0])
    assert primary.resolved_database_url == settings.resolved_database_url


def test_a_city_database_can_be_named(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1/yubisaki"
    settings = Settings(data_dir=tmp_path, city_database_urls=f"990027={url}")
    assert city_settings(settings, city(settings, "990027")).resolved_database_url == url


def test_a_wrong_check_digit_is_refused() -> None:
    text = '[[city]]\ncode = "990028"\nmember = "m"\nname_ja = "x"\nname_en = "x"\nprimary = true\n'
    with pytest.raises(InvalidIdentifier):
        _parse(text, "test")


def test_exactly_one_primary_and_distinct_members() -> None:
    one = '[[city]]\ncode = "990019"\nmember = "m"\nname_ja = "x"\nname_en = "x"\n'
    with pytest.raises(ValueError, match="primary"):
        _parse(one, "test")
    two = one + "primary = true\n" + one.replace("990019", "990027") + "port_offset = 1\n"
    with pytest.raises(ValueError, match="member"):
        _parse(two, "test")
