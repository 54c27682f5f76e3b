"""The demo city's seed (deterministic, idempotent, served by the API) and MQTT ingestion."""

import asyncio
import json
from typing import Any

import httpx
import pytest

from tenohira.citydata import facility_entity, facility_entity_id, seed_facilities
from tenohira.citydata.bootstrap import bootstrap
from tenohira.citydata.tasks import ingest, run
from tenohira.core.config import get_settings
from tenohira.core.progress import no_progress
from tests.citydata.conftest import BASE


def test_seed_is_deterministic_and_plausible() -> None:
    a, b = seed_facilities(7), seed_facilities(7)
    assert a == b and a != seed_facilities(8)
    categories = {r["category"] for r in a}
    assert categories == {"public_facility", "aed", "evacuation_site", "air_quality_sensor", "weather_sensor"}
    assert len({r["id"] for r in a}) == len(a)
    for r in a:
        assert 35.9 < r["latitude"] < 36.3 and 137.8 < r["longitude"] < 138.3
        assert r["address"].startswith("手のひら市")
    shelters = [r for r in a if r["category"] == "evacuation_site"]
    assert all(r["capacity"] > 0 and r["hazards"] for r in shelters)
    e = facility_entity(a[0])
    assert e["id"] == facility_entity_id(a[0]) and e["location"]["type"] == "GeoProperty"


async def test_bootstrap_is_idempotent_and_served(client: httpx.AsyncClient, migrated_db: Any) -> None:
    settings = get_settings()
    await bootstrap(settings, no_progress)
    await bootstrap(settings, no_progress)
    records = seed_facilities(settings.seed)
    r = await client.get(f"{BASE}/entities", params={"type": "AEDLocation", "count": "true", "limit": 0})
    assert r.headers["NGSILD-Results-Count"] == str(sum(1 for x in records if x["category"] == "aed"))
    # shelters within 2 km of the city hall that take at least 300 people
    r = await client.get(
        f"{BASE}/entities",
        params={
            "type": "EvacuationSite",
            "q": "capacity>=300",
            "georel": "near;maxDistance==2000",
            "geometry": "Point",
            "coordinates": "[138.05,36.1]",
            "options": "keyValues",
        },
    )
    assert r.status_code == 200
    assert all(e["capacity"] >= 300 for e in r.json())


async def test_ingest_applies_readings(client: httpx.AsyncClient, migrated_db: Any) -> None:
    await client.post(
        f"{BASE}/entities",
        json={"id": "urn:ngsi-ld:AirQualityObserved:x", "type": "AirQualityObserved", "pm25": 1},
    )
    topic = "ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:x/attrs"
    change = await ingest(
        migrated_db, topic, json.dumps({"pm25": 12.5, "observedAt": "2026-11-26T09:10:00Z"}).encode()
    )
    assert change is not None
    e = (await client.get(f"{BASE}/entities/urn:ngsi-ld:AirQualityObserved:x")).json()
    assert e["pm25"] == {"type": "Property", "value": 12.5, "observedAt": "2026-11-26T09:10:00Z"}
    assert await ingest(migrated_db, topic, b"not json") is None
    assert await ingest(migrated_db, "other/topic", b"{}") is None
    assert await ingest(migrated_db, "ngsi-ld/v1/entities/urn:x:missing/attrs", b'{"a": 1}') is None


async def test_mqtt_readings_reach_the_entity(
    client: httpx.AsyncClient, migrated_db: Any, mqtt_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiomqtt

    from tenohira.core import reset_settings

    monkeypatch.setenv("TENOHIRA_MQTT_URL", mqtt_url)
    reset_settings()
    settings = get_settings()
    eid = "urn:ngsi-ld:WeatherObserved:mqtt-test"
    await client.post(f"{BASE}/entities", json={"id": eid, "type": "WeatherObserved", "temperature": 0})
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    try:
        await asyncio.sleep(0.5)  # let the consumer subscribe
        async with aiomqtt.Client("127.0.0.1", int(mqtt_url.rsplit(":", 1)[1])) as pub:
            await pub.publish(f"ngsi-ld/v1/entities/{eid}/attrs", json.dumps({"temperature": 21.5}), qos=1)
        for _ in range(50):
            e = (await client.get(f"{BASE}/entities/{eid}?options=keyValues")).json()
            if e["temperature"] == 21.5:
                break
            await asyncio.sleep(0.1)
        assert e["temperature"] == 21.5
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def test_cli_prints_facilities() -> None:
    from typer.testing import CliRunner

    from tenohira.citydata.cli import app

    result = CliRunner().invoke(app, ["facilities", "--category", "evacuation_site"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert records and all(r["category"] == "evacuation_site" for r in records)
    result = CliRunner().invoke(app, ["facilities", "--category", "aed", "--ngsi-ld"])
    entities = json.loads(result.output)
    assert entities[0]["type"] == "AEDLocation" and entities[0]["id"].startswith("urn:ngsi-ld:AEDLocation:")
