"""The lean query path: exact JSON (big integers), the PostgreSQL read pool, tenants."""

import asyncio
from typing import Any

import httpx

from tenohira.citydata import fastjson, pgread
from tests.citydata.conftest import BASE

ERR = "https://uri.etsi.org/ngsi-ld/errors/"
BIG = 123456789012345678901234567890


def test_fastjson_keeps_big_integers_and_unicode() -> None:
    text = '{"a": 123456789012345678901234567890, "b": 1.5, "c": "避難所", "d": [1, 2]}'
    assert fastjson.loads(text) == {"a": BIG, "b": 1.5, "c": "避難所", "d": [1, 2]}
    assert fastjson.loads(text.encode()) == fastjson.loads(text)
    assert fastjson.loads(fastjson.dumps({"x": BIG, "y": "é"})) == {"x": BIG, "y": "é"}
    assert fastjson.dumps({"y": "é"}) == '{"y":"é"}'.encode()


def test_numbered_placeholders() -> None:
    sql, args = pgread.numbered(
        "a = :t0 AND b IN (:t1, :t0) AND c @? CAST(:jp2 AS jsonpath) LIMIT :page_limit",
        {"t0": "x", "t1": "y", "jp2": "$", "page_limit": 21},
    )
    assert sql == "a = $1 AND b IN ($2, $1) AND c @? CAST($3 AS jsonpath) LIMIT $4"
    assert args == ["x", "y", "$", 21]


async def test_query_returns_big_integers_exactly(client: httpx.AsyncClient, migrated_db: Any) -> None:
    e = {"id": "urn:ngsi-ld:Meter:1", "type": "Meter", "reading": {"type": "Property", "value": BIG}}
    assert (await client.post(f"{BASE}/entities", json=e)).status_code == 201
    r = await client.get(f"{BASE}/entities", params={"type": "Meter", "q": "reading>1"})
    assert r.status_code == 200
    assert r.json()[0]["reading"]["value"] == BIG
    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Meter:1")
    assert r.json()["reading"]["value"] == BIG
    if migrated_db.engine.dialect.name == "postgresql":
        # The query went through the read pool of this engine, which closes with the engine.
        pool = await pgread.pool_for(migrated_db.engine)
        assert pool is not None
        # Connections the server drops (a restart) are replaced: the next query still answers,
        # even when several idle connections of the pool are all dead at once.
        import asyncpg  # type: ignore[import-untyped]

        async def hold() -> None:
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT pg_sleep(0.05)")

        await asyncio.gather(*(hold() for _ in range(4)))  # four connections in the pool

        dsn = migrated_db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        admin = await asyncpg.connect(dsn)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        r = await client.get(f"{BASE}/entities", params={"type": "Meter", "q": "reading>1"})
        assert r.status_code == 200, r.text
        assert r.json()[0]["reading"]["value"] == BIG
        assert pgread._pools.get(migrated_db.engine.sync_engine) is pool
        await migrated_db.engine.dispose()
        assert migrated_db.engine.sync_engine not in pgread._pools
        assert pool.is_closing()
    else:
        assert await pgread.pool_for(migrated_db.engine) is None


async def test_tenants_other_than_the_default_do_not_exist(client: httpx.AsyncClient) -> None:
    e = {"id": "urn:ngsi-ld:T:1", "type": "T", "n": 1}
    r = await client.post(f"{BASE}/entities", json=e, headers={"NGSILD-Tenant": "openiot"})
    assert r.status_code == 404
    assert r.json()["type"] == ERR + "NonexistentTenant"
    assert "openiot" in r.json()["detail"]
    # nothing was created in the default tenant
    assert (await client.get(f"{BASE}/entities/urn:ngsi-ld:T:1")).status_code == 404
    r = await client.post(f"{BASE}/entities", json=e, headers={"NGSILD-Tenant": ""})
    assert r.status_code == 201  # an empty header is the default tenant
    for method, path in (
        ("GET", "/entities?type=T"),
        ("GET", "/entities/urn:ngsi-ld:T:1"),
        ("DELETE", "/entities/urn:ngsi-ld:T:1"),
        ("GET", "/types"),
        ("GET", "/subscriptions"),
    ):
        r = await client.request(method, BASE + path, headers={"NGSILD-Tenant": "other"})
        assert r.status_code == 404, (method, path)
        assert r.json()["type"] == ERR + "NonexistentTenant"
    assert (await client.get(f"{BASE}/entities/urn:ngsi-ld:T:1")).status_code == 200


def test_plain_rendering_equals_the_general_path() -> None:
    from tenohira.citydata import entities as ent
    from tenohira.citydata.jsonld import core_context
    from tests.citydata.test_q_consistency import WEIRD

    ctx = core_context()
    opts = ent.RenderOptions()
    extra = {
        "speed": {
            "type": "Property",
            "value": 3,
            "observedAt": "2026-11-26T09:00:00Z",
            "accuracy": {"type": "Property", "value": 0.1, "unitCode": "C"},
            "by": {"type": "Relationship", "object": "urn:ngsi-ld:Device:1"},
        },
        "category": {"type": "VocabProperty", "vocab": "Property"},
        "label": {"type": "LanguageProperty", "languageMap": {"ja": "駅", "en": "station"}},
    }
    checked = 0
    for attrs in [*WEIRD, extra]:
        stored = ent.expand_attributes(attrs, ctx, "2026-11-26T00:00:00.000Z")
        fast = ent.render_entity("urn:x:1", ["urn:t:T"], stored, ctx, opts)
        general = {"id": "urn:x:1", "type": "urn:t:T"}
        general.update({ctx.compact(k): ent._render_attribute(v, ctx, opts) for k, v in stored.items()})
        assert fast == general
        assert list(fast) == list(general)
        checked += 1
    assert checked == len(WEIRD) + 1


async def test_discovery_is_aggregated_exactly(client: httpx.AsyncClient) -> None:
    entities = [
        {"id": "urn:ngsi-ld:D:1", "type": ["Dock", "Pier"], "depth": 3, "owner": {"object": "urn:x:o"}},
        {
            "id": "urn:ngsi-ld:D:2",
            "type": "Dock",
            "depth": [
                {"type": "Property", "value": 4},
                {"type": "Property", "value": 5, "datasetId": "urn:ds:b"},
            ],
            "name": {"type": "LanguageProperty", "languageMap": {"ja": "桟橋"}},
        },
        {"id": "urn:ngsi-ld:D:3", "type": "Buoy"},  # no attributes at all
        {"id": "urn:ngsi-ld:D:4", "type": "Buoy", "owner": {"type": "Property", "value": "city"}},
    ]
    assert (await client.post(f"{BASE}/entityOperations/create", json=entities)).status_code == 201
    r = await client.get(f"{BASE}/types")
    assert r.json()["typeList"] == ["Buoy", "Dock", "Pier"]
    r = await client.get(f"{BASE}/types", params={"details": "true"})
    assert {t["typeName"]: t["attributeNames"] for t in r.json()} == {
        "Buoy": ["owner"],
        "Dock": ["depth", "name", "owner"],
        "Pier": ["depth", "owner"],
    }
    r = await client.get(f"{BASE}/types/Dock")
    assert r.json()["entityCount"] == 2
    details = {a["attributeName"]: a["attributeTypes"] for a in r.json()["attributeDetails"]}
    assert details == {"depth": ["Property"], "name": ["LanguageProperty"], "owner": ["Relationship"]}
    assert (await client.get(f"{BASE}/types/Buoy")).json()["entityCount"] == 2
    r = await client.get(f"{BASE}/attributes", params={"details": "true"})
    by_name = {a["attributeName"]: a for a in r.json()}
    assert by_name["owner"]["attributeCount"] == 2
    assert by_name["owner"]["attributeTypes"] == ["Property", "Relationship"]
    assert by_name["owner"]["typeNames"] == ["Buoy", "Dock", "Pier"]
    assert by_name["depth"]["attributeCount"] == 2  # entities, not instances
    r = await client.get(f"{BASE}/attributes/depth")
    assert r.json()["attributeCount"] == 2 and r.json()["typeNames"] == ["Dock", "Pier"]
    assert (await client.get(f"{BASE}/attributes/nothing")).status_code == 404
