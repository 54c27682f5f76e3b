"""The municipalities of the demo world, as configuration (``cities.toml`` or ``TENOHIRA_CITIES_FILE``).

Each city is its own hub member: its own member id and key, its own registry and database, its
own synthetic residents and address list. The primary city (the birth story's 手のひら市) keeps
the platform's database; every other city lives under ``data_dir/cities/<code>/`` (or the
database ``TENOHIRA_CITY_DATABASE_URLS`` names for it). :func:`city_settings` gives the settings a
city's member runs with, embedded or served on its own (``tenohira agency serve municipality
--city CODE``): same hub and same public base URL (the CA and CRL at ``/pki/``), its own data.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tenohira.core.config import Settings
from tenohira.core.identifiers import validate_local_government_code

CITIES_FILE = Path(__file__).with_name("cities.toml")


@dataclass(frozen=True)
class City:
    """A municipality of the demo world (a hub member of its own)."""

    code: str  # 地方公共団体コード, 6 digits with the check digit
    member: str  # its hub member id
    name_ja: str
    name_en: str
    primary: bool = False
    seed_offset: int = 0
    port_offset: int = 0
    # (町字 code, name, reading, postal code); empty = the demo city's list
    districts: tuple[tuple[str, str, str, str], ...] = ()


class CityNotFound(LookupError):
    """No city of this code is configured."""


def _parse(text: str, source: str) -> tuple[City, ...]:
    data = tomllib.loads(text)
    cities: list[City] = []
    for entry in data.get("city", []):
        code = validate_local_government_code(str(entry["code"]), field="code")
        districts = tuple((str(d[0]), str(d[1]), str(d[2]), str(d[3])) for d in entry.get("districts", ()))
        cities.append(
            City(
                code=code,
                member=str(entry["member"]),
                name_ja=str(entry["name_ja"]),
                name_en=str(entry["name_en"]),
                primary=bool(entry.get("primary", False)),
                seed_offset=int(entry.get("seed_offset", 0)),
                port_offset=int(entry.get("port_offset", 0)),
                districts=districts,
            )
        )
    if sum(c.primary for c in cities) != 1:
        raise ValueError(f"{source}: exactly one city must be primary")
    for attr in ("code", "member", "port_offset"):
        values = [getattr(c, attr) for c in cities]
        if len(set(values)) != len(values):
            raise ValueError(f"{source}: two cities share a {attr}")
    return tuple(cities)


@lru_cache(maxsize=8)
def _load(path: str) -> tuple[City, ...]:
    return _parse(Path(path).read_text(encoding="utf-8"), path)


def cities(settings: Settings) -> tuple[City, ...]:
    """Every configured city, the primary first."""
    loaded = _load(str(settings.cities_file or CITIES_FILE))
    return tuple(sorted(loaded, key=lambda c: not c.primary))


def city(settings: Settings, code: str) -> City:
    """The city with local government code ``code``; :class:`CityNotFound` if none."""
    for c in cities(settings):
        if c.code == code:
            return c
    raise CityNotFound(code)


def city_of_member(settings: Settings, member: str) -> City | None:
    """The city whose hub member id is ``member`` (None for a member that is no city)."""
    return next((c for c in cities(settings) if c.member == member), None)


def _pairs(text: str) -> dict[str, str]:
    urls: dict[str, str] = {}
    for item in text.split(","):
        code, sep, url = item.strip().partition("=")
        if sep:
            urls[code.strip()] = url.strip()
    return urls


def city_url(settings: Settings, c: City) -> str | None:
    """Where city ``c`` answers when served on its own (``TENOHIRA_CITY_URLS``), else None."""
    url = _pairs(settings.city_urls).get(c.code)
    return url.rstrip("/") if url else None


def city_settings(settings: Settings, c: City) -> Settings:
    """The settings the member of city ``c`` runs with.

    The primary city runs with the platform's own settings (its code and names from the file).
    Any other: ``data_dir/cities/<code>/`` (its keys, vault sites, world file) and its own
    database (SQLite there, or ``TENOHIRA_CITY_DATABASE_URLS``); the platform's base URL and hub.
    """
    update: dict[str, object] = {
        "municipality_code": c.code,
        "municipality_name_ja": c.name_ja,
        "municipality_name_en": c.name_en,
        "municipality_member": c.member,
    }
    if not c.primary:
        data_dir = settings.resolved_data_dir / "cities" / c.code
        update |= {
            "data_dir": data_dir,
            "database_url": _pairs(settings.city_database_urls).get(c.code)
            or f"sqlite+aiosqlite:///{data_dir / 'municipality.db'}",
            "seed": settings.seed + c.seed_offset,
            # where it is reached (the platform's base URL is kept: the hub, /pki/ are there)
            "base_url": settings.resolved_base_url,
            "hub_url": settings.resolved_hub_url,
            "witnesses": "",
        }
    return settings.model_copy(update=update)


__all__ = [
    "CITIES_FILE",
    "City",
    "CityNotFound",
    "cities",
    "city",
    "city_of_member",
    "city_settings",
    "city_url",
]
