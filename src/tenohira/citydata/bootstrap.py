"""First-start work of citydata (idempotent): the city's facility and sensor entities.

手のひら市 (Tenohira City) is fictional. Its centre is put at 36.100 N, 138.050 E, an
inland basin of the Chūbu region chosen only so that distances and shapes are plausible;
every facility, address, telephone number and reading below is synthetic (generated from
the seed), not a real place. The same records feed the open-data catalogue (the
municipality's standard datasets, 自治体標準オープンデータセット) through ``seed_facilities``.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn

CITY_CENTRE = (138.050, 36.100)  # (longitude, latitude): invented, see the module docstring
CITY_NAME_JA = "手のひら市"
# Districts (invented): name, reading, English, offset of the district centre from the city centre
# in km (east, north).
DISTRICTS: tuple[tuple[str, str, str, float, float], ...] = (
    ("中央", "ちゅうおう", "Chuo", 0.0, 0.0),
    ("北町", "きたまち", "Kitamachi", 0.3, 3.2),
    ("南が丘", "みなみがおか", "Minamigaoka", -0.5, -3.4),
    ("東原", "ひがしはら", "Higashihara", 3.6, 0.4),
    ("西山", "にしやま", "Nishiyama", -3.9, 0.8),
    ("川辺", "かわべ", "Kawabe", 2.4, -2.1),
)

# Kinds of facility and how many of each the demo city has.
_PUBLIC_FACILITIES: tuple[tuple[str, str, str, int], ...] = (
    # (category, Japanese name pattern, English name pattern, count)
    ("city_hall", "{city}役所", "{city_en} City Hall", 1),
    ("branch_office", "{district}支所", "{district_en} Branch Office", 5),
    ("library", "{district}図書館", "{district_en} Library", 4),
    ("community_center", "{district}公民館", "{district_en} Community Centre", 6),
    ("gymnasium", "{district}体育館", "{district_en} Gymnasium", 3),
    ("nursery", "{district}保育園", "{district_en} Nursery", 6),
    ("health_center", "{city}保健センター", "{city_en} Health Centre", 1),
    ("elementary_school", "{district}小学校", "{district_en} Elementary School", 6),
    ("junior_high_school", "{district}中学校", "{district_en} Junior High School", 3),
)
_CATEGORY_JA = {
    "city_hall": "庁舎",
    "branch_office": "庁舎",
    "library": "図書館",
    "community_center": "公民館",
    "gymnasium": "体育施設",
    "nursery": "保育所",
    "health_center": "保健施設",
    "elementary_school": "小学校",
    "junior_high_school": "中学校",
}
_KIND_KANA = {
    "city_hall": "やくしょ",
    "branch_office": "ししょ",
    "library": "としょかん",
    "community_center": "こうみんかん",
    "gymnasium": "たいいくかん",
    "nursery": "ほいくえん",
    "health_center": "ほけんせんたー",
    "elementary_school": "しょうがっこう",
    "junior_high_school": "ちゅうがっこう",
}
# Hazards an evacuation site is designated for (災害種別): flood, landslide, storm surge,
# earthquake, tsunami, large fire, inland flooding, volcano.
_HAZARDS = ("flood", "landslide", "earthquake", "large_fire", "inland_flooding")
_AED_SPOTS = ("1階エントランス", "1階事務室前", "2階ホール", "体育館入口", "受付横")


def _offset(lon: float, lat: float, east_km: float, north_km: float) -> tuple[float, float]:
    dlat = north_km / 111.0
    dlon = east_km / (111.0 * math.cos(math.radians(lat)))
    return round(lon + dlon, 6), round(lat + dlat, 6)


def _address(rng: random.Random, district: str) -> str:
    return f"{CITY_NAME_JA}{district}{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"


def _phone(rng: random.Random) -> str:
    # 0263 area code style, but the numbers are synthetic (555 block is not assigned here).
    return f"0263-55-{rng.randint(1000, 9999)}"


def seed_facilities(seed: int = 20261126) -> list[dict[str, Any]]:
    """The demo city's facilities and sensors as plain records (deterministic from ``seed``).

    Each record has ``id`` (stable, e.g. ``F0001``), ``category`` (``public_facility``,
    ``aed``, ``evacuation_site``, ``air_quality_sensor``, ``weather_sensor``), ``kind``,
    ``name_ja``, ``name_kana`` (may be empty), ``name_en``, ``district``, ``address``,
    ``latitude``, ``longitude``, ``phone`` and category-specific fields (AED: ``facility_id``,
    ``spot``, ``hours``, ``child_pads``; evacuation site: ``designation``, ``capacity``,
    ``hazards``; sensors: ``readings``). Used by the NGSI-LD seed and by opendata.
    """
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    base_lon, base_lat = CITY_CENTRE

    def place(district_index: int) -> tuple[float, float]:
        _, _, _, east, north = DISTRICTS[district_index]
        return _offset(base_lon, base_lat, east + rng.uniform(-1.2, 1.2), north + rng.uniform(-1.2, 1.2))

    counter = 0
    for kind, name_ja, name_en, count in _PUBLIC_FACILITIES:
        for i in range(count):
            d = 0 if count == 1 else i % len(DISTRICTS)
            district, kana, district_en, _, _ = DISTRICTS[d]
            lon, lat = (base_lon, base_lat) if kind == "city_hall" else place(d)
            counter += 1
            records.append(
                {
                    "id": f"F{counter:04d}",
                    "category": "public_facility",
                    "kind": kind,
                    "kind_ja": _CATEGORY_JA[kind],
                    "name_ja": name_ja.format(city=CITY_NAME_JA, district=district),
                    "name_kana": (kana if "{district}" in name_ja else "てのひらし") + _KIND_KANA[kind],
                    "name_en": name_en.format(city_en="Tenohira", district_en=district_en),
                    "district": district,
                    "address": _address(rng, district),
                    "latitude": lat,
                    "longitude": lon,
                    "phone": _phone(rng),
                    "opening_hours": "Mo-Fr 08:30-17:15"
                    if kind in ("city_hall", "branch_office")
                    else "Tu-Su 09:00-19:00",
                }
            )
    facilities = list(records)
    # AEDs: one in most public facilities, plus convenience stores and stations.
    aed = 0
    for f in facilities:
        if rng.random() < 0.8:
            aed += 1
            records.append(
                {
                    "id": f"A{aed:04d}",
                    "category": "aed",
                    "kind": "aed",
                    "name_ja": f"{f['name_ja']} AED",
                    "name_kana": "",
                    "name_en": f"AED at {f['name_en']}",
                    "district": f["district"],
                    "address": f["address"],
                    "latitude": f["latitude"],
                    "longitude": f["longitude"],
                    "phone": f["phone"],
                    "facility_id": f["id"],
                    "spot": rng.choice(_AED_SPOTS),
                    "hours": f["opening_hours"],
                    "child_pads": rng.random() < 0.6,
                }
            )
    for i in range(8):
        d = i % len(DISTRICTS)
        district = DISTRICTS[d][0]
        lon, lat = place(d)
        aed += 1
        records.append(
            {
                "id": f"A{aed:04d}",
                "category": "aed",
                "kind": "aed",
                "name_ja": f"てのひらマート{district}店 AED",
                "name_kana": "",
                "name_en": f"AED at Tenohira Mart {DISTRICTS[d][2]}",
                "district": district,
                "address": _address(rng, district),
                "latitude": lat,
                "longitude": lon,
                "phone": _phone(rng),
                "facility_id": None,
                "spot": "レジ横",
                "hours": "24/7",
                "child_pads": rng.random() < 0.5,
            }
        )
    # Evacuation sites: schools, gymnasiums and community centres, plus parks.
    ev = 0
    for f in facilities:
        if f["kind"] in ("elementary_school", "junior_high_school", "gymnasium", "community_center"):
            ev += 1
            hazards = sorted(h for h in _HAZARDS if rng.random() < 0.7) or ["earthquake"]
            records.append(
                {
                    "id": f"E{ev:04d}",
                    "category": "evacuation_site",
                    "kind": "shelter",
                    # 指定避難所 (designated shelter) and 指定緊急避難場所 (emergency evacuation site)
                    "designation": ["指定避難所", "指定緊急避難場所"],
                    "name_ja": f["name_ja"],
                    "name_kana": f["name_kana"],
                    "name_en": f["name_en"],
                    "district": f["district"],
                    "address": f["address"],
                    "latitude": f["latitude"],
                    "longitude": f["longitude"],
                    "phone": f["phone"],
                    "capacity": rng.randrange(150, 900, 10),
                    "hazards": hazards,
                    "facility_id": f["id"],
                }
            )
    for d, (district, kana, district_en, _, _) in enumerate(DISTRICTS):
        ev += 1
        lon, lat = place(d)
        records.append(
            {
                "id": f"E{ev:04d}",
                "category": "evacuation_site",
                "kind": "open_space",
                "designation": ["指定緊急避難場所"],
                "name_ja": f"{district}公園",
                "name_kana": f"{kana}こうえん",
                "name_en": f"{district_en} Park",
                "district": district,
                "address": _address(rng, district),
                "latitude": lat,
                "longitude": lon,
                "phone": "",
                "capacity": rng.randrange(500, 3000, 50),
                "hazards": ["earthquake", "large_fire"],
                "facility_id": None,
            }
        )
    # Sensors: air quality in every district, weather at three points.
    observed = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    for d, (district, _kana, district_en, _, _) in enumerate(DISTRICTS):
        lon, lat = place(d)
        records.append(
            {
                "id": f"S{d + 1:04d}",
                "category": "air_quality_sensor",
                "kind": "air_quality",
                "name_ja": f"{district}大気観測局",
                "name_kana": "",
                "name_en": f"{district_en} Air Quality Station",
                "district": district,
                "address": _address(rng, district),
                "latitude": lat,
                "longitude": lon,
                "phone": "",
                "readings": {
                    "pm25": round(rng.uniform(4, 35), 1),
                    "no2": round(rng.uniform(3, 40), 1),
                    "o3": round(rng.uniform(10, 60), 1),
                    "observed_at": (observed - timedelta(minutes=10 * d)).isoformat().replace("+00:00", "Z"),
                },
            }
        )
    for i, d in enumerate((0, 3, 4)):
        district, _kana, district_en, _, _ = DISTRICTS[d]
        lon, lat = place(d)
        records.append(
            {
                "id": f"W{i + 1:04d}",
                "category": "weather_sensor",
                "kind": "weather",
                "name_ja": f"{district}気象観測点",
                "name_kana": "",
                "name_en": f"{district_en} Weather Station",
                "district": district,
                "address": _address(rng, district),
                "latitude": lat,
                "longitude": lon,
                "phone": "",
                "readings": {
                    "temperature": round(rng.uniform(2, 14), 1),
                    "relative_humidity": round(rng.uniform(0.4, 0.9), 2),
                    "wind_speed": round(rng.uniform(0, 8), 1),
                    "observed_at": observed.isoformat().replace("+00:00", "Z"),
                },
            }
        )
    return records


_TYPES = {
    "public_facility": "PublicFacility",
    "aed": "AEDLocation",
    "evacuation_site": "EvacuationSite",
    "air_quality_sensor": "AirQualityObserved",
    "weather_sensor": "WeatherObserved",
}


def entity_id(record: dict[str, Any]) -> str:
    """The NGSI-LD entity id of a seed record."""
    return f"urn:ngsi-ld:{_TYPES[record['category']]}:tenohira:{record['id']}"


def to_entity(record: dict[str, Any]) -> dict[str, Any]:
    """A seed record as an NGSI-LD entity (normalized, names in the default vocabulary)."""
    e: dict[str, Any] = {
        "id": entity_id(record),
        "type": _TYPES[record["category"]],
        "name": {"type": "Property", "value": record["name_ja"]},
        "alternateName": {"type": "Property", "value": record["name_en"]},
        "address": {
            "type": "Property",
            "value": {
                "addressCountry": "JP",
                "addressLocality": CITY_NAME_JA,
                "district": record["district"],
                "streetAddress": record["address"],
            },
        },
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]},
        },
        "category": {"type": "Property", "value": record["kind"]},
    }
    if record.get("phone"):
        e["telephone"] = {"type": "Property", "value": record["phone"]}
    if record["category"] == "public_facility":
        e["openingHours"] = {"type": "Property", "value": record["opening_hours"]}
    if record["category"] == "aed":
        e["installationSpot"] = {"type": "Property", "value": record["spot"]}
        e["availableHours"] = {"type": "Property", "value": record["hours"]}
        e["childPads"] = {"type": "Property", "value": record["child_pads"]}
        if record.get("facility_id"):
            e["installedIn"] = {
                "type": "Relationship",
                "object": f"urn:ngsi-ld:PublicFacility:tenohira:{record['facility_id']}",
            }
    if record["category"] == "evacuation_site":
        e["capacity"] = {"type": "Property", "value": record["capacity"]}
        e["hazards"] = {"type": "Property", "value": record["hazards"]}
        e["designation"] = {"type": "Property", "value": record["designation"]}
    readings = record.get("readings") or {}
    at = readings.get("observed_at")
    units = {
        "pm25": "GQ",
        "no2": "GQ",
        "o3": "GQ",
        "temperature": "CEL",
        "relative_humidity": "P1",
        "wind_speed": "MTS",
    }
    names = {"relative_humidity": "relativeHumidity", "wind_speed": "windSpeed"}
    for key, value in readings.items():
        if key == "observed_at":
            continue
        e[names.get(key, key)] = {
            "type": "Property",
            "value": value,
            "unitCode": units[key],
            "observedAt": at,
        }
    if at:
        e["dateObserved"] = {"type": "Property", "value": at}
    return e


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Create the demo city's entities that are not there yet (idempotent)."""
    from tenohira.citydata import service
    from tenohira.citydata.jsonld import core_context

    entities = [to_entity(r) for r in seed_facilities(settings.seed)]
    ctx = core_context()
    db = get_database(settings)
    done = 0
    for i in range(0, len(entities), 200):
        chunk = entities[i : i + 200]
        async with db.session() as session:
            await service.batch_create(session, chunk, [ctx] * len(chunk))
        done += len(chunk)
        progress("citydata: city facilities and sensors (NGSI-LD)", done, len(entities))
