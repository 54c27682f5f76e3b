"""Entity operations over HTTP, with the status codes and error types of GS CIM 009."""

from typing import Any

import httpx

from tests.citydata.conftest import BASE, link

ERR = "https://uri.etsi.org/ngsi-ld/errors/"

VEHICLE = {
    "id": "urn:ngsi-ld:Vehicle:V1",
    "type": "Vehicle",
    "speed": {
        "type": "Property",
        "value": 34,
        "observedAt": "2026-11-26T09:00:00Z",
        "accuracy": {"type": "Property", "value": 0.5},
    },
    "brandName": {"type": "Property", "value": "Mercedes"},
    "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:P1"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [138.05, 36.1]}},
}


async def create(client: httpx.AsyncClient, entity: dict[str, Any] = VEHICLE, **kw: Any) -> httpx.Response:
    return await client.post(f"{BASE}/entities", json=entity, **kw)


def assert_error(r: httpx.Response, status: int, error: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["type"] == ERR + error
    assert body["title"] and body["status"] == status


async def test_create_retrieve_delete(client: httpx.AsyncClient) -> None:
    r = await create(client)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1"
    assert_error(await create(client), 409, "AlreadyExists")

    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "json-ld#context" in r.headers["link"]
    assert r.json() == VEHICLE

    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1", headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"].startswith("application/ld+json")
    assert r.json()["@context"].startswith("https://uri.etsi.org/ngsi-ld/")

    r = await client.get(
        f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1?options=keyValues", headers={"Accept": "application/json"}
    )
    assert r.json() == {
        "id": "urn:ngsi-ld:Vehicle:V1",
        "type": "Vehicle",
        "speed": 34,
        "brandName": "Mercedes",
        "owner": "urn:ngsi-ld:Person:P1",
        "location": {"type": "Point", "coordinates": [138.05, 36.1]},
    }
    r2 = await client.get(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1?options=simplified")
    assert r2.json()["speed"] == 34
    r = await client.get(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1?options=sysAttrs&attrs=speed")
    body = r.json()
    assert set(body) >= {"id", "type", "speed", "createdAt", "modifiedAt"} and "brandName" not in body
    assert body["speed"]["createdAt"].endswith("Z")
    r = await client.get(
        f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1?format=concise", headers={"Accept": "application/json"}
    )
    assert r.json()["brandName"] == "Mercedes"
    assert r.json()["owner"] == {"object": "urn:ngsi-ld:Person:P1"}

    assert (await client.delete(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1")).status_code == 204
    assert_error(await client.get(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1"), 404, "ResourceNotFound")
    assert_error(await client.delete(f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1"), 404, "ResourceNotFound")


async def test_protocol_errors(client: httpx.AsyncClient) -> None:
    assert_error(await create(client, {"id": "abcdef", "type": "T"}), 400, "BadRequestData")
    assert_error(
        await create(client, {"id": "urn:a:1", "type": "T", "P1": {"type": "abcdef", "value": 34}}),
        400,
        "BadRequestData",
    )
    assert_error(await create(client, {"id": "urn:a:1"}), 400, "BadRequestData")
    r = await client.post(
        f"{BASE}/entities", content=b'{"id": "urn:a:1", "type": "T"}', headers={"Content-Type": "image/gif"}
    )
    assert r.status_code == 415
    r = await client.post(
        f"{BASE}/entities", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, "InvalidRequest")
    # @context in the body needs application/ld+json; ld+json needs @context and no Link header.
    with_ctx = {
        "id": "urn:a:1",
        "type": "T",
        "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
    }
    assert_error(await create(client, with_ctx), 400, "BadRequestData")
    r = await client.post(
        f"{BASE}/entities",
        json={"id": "urn:a:1", "type": "T"},
        headers={"Content-Type": "application/ld+json"},
    )
    assert_error(r, 400, "BadRequestData")
    r = await client.post(
        f"{BASE}/entities",
        json=with_ctx,
        headers={
            "Content-Type": "application/ld+json",
            **link("https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"),
        },
    )
    assert_error(r, 400, "BadRequestData")
    r = await client.post(f"{BASE}/entities", json=with_ctx, headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 201
    # an unreachable remote @context is reported, never fetched
    r = await create(client, {"id": "urn:a:2", "type": "T"}, headers=link("https://example.org/ctx.jsonld"))
    assert_error(r, 503, "LdContextNotAvailable")
    r = await client.get(f"{BASE}/entities?type=T", headers={"Accept": "text/plain"})
    assert r.status_code == 406
    assert_error(await client.get(f"{BASE}/entities/not-a-uri"), 400, "BadRequestData")
    r = await client.get(f"{BASE}/entities/urn:a:1", headers={"Accept": "*/*"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/ld+json"
    for accept, served in (
        ("application/json;q=0, */*", "application/ld+json"),
        ("application/json, */*", "application/json"),
        ("application/*", "application/ld+json"),
        ("application/ld+json;q=0.5, application/json;q=0.9", "application/json"),
        ("text/html, application/json;q=0.1", "application/json"),
    ):
        r = await client.get(f"{BASE}/entities/urn:a:1", headers={"Accept": accept})
        assert r.headers["content-type"] == served, accept
    r = await client.get(f"{BASE}/entities/urn:a:1", headers={"Accept": "application/json;q=0"})
    assert r.status_code == 406
    r = await client.get(f"{BASE}/entities/urn:a:1", headers={"Accept": ""})
    assert r.headers["content-type"].startswith("application/json")


async def test_update_append_partial_and_delete_attribute(client: httpx.AsyncClient) -> None:
    await create(client)
    url = f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1"
    r = await client.patch(f"{url}/attrs", json={"speed": {"type": "Property", "value": 50, "accuracy": 0.5}})
    assert r.status_code == 204, r.text
    r = await client.patch(
        f"{url}/attrs",
        json={
            "speed": {"type": "Property", "value": 51, "accuracy": 0.5},
            "colour": {"type": "Property", "value": "red"},
        },
    )
    # attributes the entity lacks are ignored (ETSI conformance tests of 5.6.2 expect 204)
    assert r.status_code == 204
    assert "colour" not in (await client.get(url)).json()
    r = await client.patch(f"{url}/attrs", json={})
    assert_error(r, 400, "BadRequestData")
    assert_error(await client.patch(f"{BASE}/entities//attrs", json={"speed": 1}), 400, "BadRequestData")
    assert_error(
        await client.patch(f"{BASE}/entities/thisisaninvaliduri/attrs", json={"speed": 1}),
        400,
        "BadRequestData",
    )
    assert_error(await client.delete(f"{BASE}/entities//attrs/speed"), 400, "BadRequestData")
    assert_error(
        await client.patch(f"{BASE}/entities/urn:x:none/attrs", json={"speed": 1}), 404, "ResourceNotFound"
    )

    r = await client.post(f"{url}/attrs", json={"colour": {"type": "Property", "value": "red"}})
    assert r.status_code == 204
    r = await client.post(
        f"{url}/attrs?options=noOverwrite", json={"colour": {"type": "Property", "value": "blue"}, "doors": 4}
    )
    assert r.status_code == 207 and r.json()["updated"] == ["doors"]

    r = await client.patch(f"{url}/attrs/speed", json={"value": 70})
    assert r.status_code == 204
    assert_error(await client.patch(f"{url}/attrs/nothing", json={"value": 1}), 404, "ResourceNotFound")
    r = await client.put(f"{url}/attrs/brandName", json={"type": "Property", "value": "Volvo"})
    assert r.status_code == 204

    kv = (await client.get(f"{url}?options=keyValues")).json()
    assert kv["speed"] == 70 and kv["colour"] == "red" and kv["doors"] == 4 and kv["brandName"] == "Volvo"
    full = (await client.get(f"{url}?options=sysAttrs")).json()
    # a partial update keeps the sub-attributes and the creation time of the attribute
    assert full["speed"]["accuracy"]["value"] == 0.5
    assert full["speed"]["createdAt"] <= full["speed"]["modifiedAt"]

    assert (await client.delete(f"{url}/attrs/colour")).status_code == 204
    assert_error(await client.delete(f"{url}/attrs/colour"), 404, "ResourceNotFound")
    assert "colour" not in (await client.get(url)).json()

    # replace the whole entity, then merge-patch it
    r = await client.put(url, json={"type": "Vehicle", "speed": {"type": "Property", "value": 1}})
    assert r.status_code == 204
    assert set((await client.get(url)).json()) == {"id", "type", "speed"}
    r = await client.patch(url, json={"speed": 2, "extra": {"type": "Property", "value": "x"}})
    assert r.status_code == 204
    assert (await client.get(f"{url}?options=keyValues")).json() == {
        "id": VEHICLE["id"],
        "type": "Vehicle",
        "speed": 2,
        "extra": "x",
    }


async def test_user_context_via_link_header_and_hosted_contexts(client: httpx.AsyncClient) -> None:
    r = await client.post(
        f"{BASE}/jsonldContexts",
        json={
            "@context": {
                "schema": "https://schema.org/",
                "brand": "schema:brand",
                "Car": "https://example.org/Car",
            }
        },
    )
    assert r.status_code == 201
    ctx_url = "http://test" + r.headers["location"]
    assert (await client.get(r.headers["location"])).json()["@context"]["brand"] == "schema:brand"
    r = await create(
        client,
        {"id": "urn:car:1", "type": "Car", "brand": {"type": "Property", "value": "Toyota"}},
        headers=link(ctx_url),
    )
    assert r.status_code == 201, r.text
    # without the context the long names appear; with it, the short ones
    plain = (await client.get(f"{BASE}/entities/urn:car:1", headers={"Accept": "application/json"})).json()
    assert plain["type"] == "https://example.org/Car" and "https://schema.org/brand" in plain
    r = await client.get(
        f"{BASE}/entities/urn:car:1", headers={"Accept": "application/json", **link(ctx_url)}
    )
    assert r.json()["type"] == "Car" and r.json()["brand"]["value"] == "Toyota"
    assert ctx_url in r.headers["link"]
    r = await client.get(
        f"{BASE}/entities", params={"type": "Car", "q": 'brand=="Toyota"'}, headers=link(ctx_url)
    )
    assert [e["id"] for e in r.json()] == ["urn:car:1"]
    r = await client.get(f"{BASE}/entities", params={"type": "Car"})
    assert r.json() == []  # 'Car' without the context is another type
    r = await client.get(f"{BASE}/entities", params={"type": "https://example.org/Car"})
    assert len(r.json()) == 1
    # in-body @context with application/ld+json
    body = {
        "id": "urn:car:2",
        "type": "Car",
        "brand": {"type": "Property", "value": "Honda"},
        "@context": ctx_url,
    }
    r = await client.post(f"{BASE}/entities", json=body, headers={"Content-Type": "application/ld+json"})
    assert r.status_code == 201
    r = await client.get(
        f"{BASE}/entities/urn:car:2", headers={"Accept": "application/ld+json", **link(ctx_url)}
    )
    assert r.json()["@context"] == ctx_url and r.json()["brand"]["value"] == "Honda"
    r = await client.get(f"{BASE}/jsonldContexts?details=true&kind=Hosted")
    assert [d["kind"] for d in r.json()] == ["Hosted"] and r.json()[0]["URL"] == ctx_url
    assert r.json()[0]["createdAt"].endswith("Z")
    r = await client.get(f"{BASE}/jsonldContexts")
    assert ctx_url in r.json() and any("core-context" in u for u in r.json())
    # the core context is served too (for clients that want to read it)
    r = await client.get(f"{BASE}/jsonldContexts/ngsi-ld-core-context-v1.9.jsonld")
    assert r.status_code == 200 and "@context" in r.json()


async def test_batch_operations(client: httpx.AsyncClient) -> None:
    batch = [
        {"id": f"urn:ngsi-ld:T:{i}", "type": "T", "n": {"type": "Property", "value": i}} for i in range(3)
    ]
    r = await client.post(f"{BASE}/entityOperations/create", json=batch)
    assert r.status_code == 201 and r.json() == [e["id"] for e in batch]
    r = await client.post(
        f"{BASE}/entityOperations/create",
        json=[*batch[:1], {"id": "urn:ngsi-ld:T:9", "type": "T"}, {"id": "bad", "type": "T"}],
    )
    assert r.status_code == 207
    assert r.json()["success"] == ["urn:ngsi-ld:T:9"]
    errors = {e["entityId"]: e["error"]["type"] for e in r.json()["errors"]}
    assert errors == {"urn:ngsi-ld:T:0": f"{ERR}AlreadyExists", "bad": f"{ERR}BadRequestData"}
    assert_error(
        await client.post(f"{BASE}/entityOperations/create", json={"id": "urn:a:1"}), 400, "BadRequestData"
    )

    # upsert: replace by default, update keeps other attributes
    r = await client.post(
        f"{BASE}/entityOperations/upsert", json=[{"id": "urn:ngsi-ld:T:0", "type": "T", "m": 1}]
    )
    assert r.status_code == 204
    assert "n" not in (await client.get(f"{BASE}/entities/urn:ngsi-ld:T:0")).json()
    r = await client.post(
        f"{BASE}/entityOperations/upsert?options=update",
        json=[{"id": "urn:ngsi-ld:T:1", "type": "T", "m": 1}, {"id": "urn:ngsi-ld:T:5", "type": "T"}],
    )
    assert r.status_code == 201 and r.json() == ["urn:ngsi-ld:T:5"]
    assert set((await client.get(f"{BASE}/entities/urn:ngsi-ld:T:1")).json()) >= {"n", "m"}

    r = await client.post(
        f"{BASE}/entityOperations/update", json=[{"id": "urn:ngsi-ld:T:1", "type": "T", "n": 10}]
    )
    assert r.status_code == 204
    r = await client.post(
        f"{BASE}/entityOperations/update?options=noOverwrite",
        json=[
            {"id": "urn:ngsi-ld:T:1", "type": "T", "n": 11},
            {"id": "urn:ngsi-ld:T:404", "type": "T", "n": 1},
        ],
    )
    assert r.status_code == 207
    assert (
        r.json()["success"] == ["urn:ngsi-ld:T:1"]
        and r.json()["errors"][0]["entityId"] == "urn:ngsi-ld:T:404"
    )
    assert (await client.get(f"{BASE}/entities/urn:ngsi-ld:T:1?options=keyValues")).json()["n"] == 10

    # batch merge (clause 5.6.20): urn:ngsi-ld:null deletes, other attributes stay
    r = await client.post(
        f"{BASE}/entityOperations/merge",
        json=[
            {
                "id": "urn:ngsi-ld:T:1",
                "type": "T",
                "m": "urn:ngsi-ld:null",
                "k": {"type": "Property", "value": 7},
            }
        ],
    )
    assert r.status_code == 204, r.text
    kv = (await client.get(f"{BASE}/entities/urn:ngsi-ld:T:1?options=keyValues")).json()
    assert "m" not in kv and kv["k"] == 7 and kv["n"] == 10 and "urn:ngsi-ld:null" not in str(kv)
    r = await client.post(
        f"{BASE}/entityOperations/merge", json=[{"id": "urn:ngsi-ld:T:404", "type": "T", "k": 1}]
    )
    assert r.status_code == 207 and r.json()["errors"][0]["error"]["type"] == f"{ERR}ResourceNotFound"
    for bad in ([], [None], [{"id": "urn:ngsi-ld:T:1", "type": "T"}, None]):
        for op in ("create", "upsert", "update", "merge", "delete"):
            r = await client.post(f"{BASE}/entityOperations/{op}", json=bad)
            assert_error(r, 400, "BadRequestData")

    r = await client.post(f"{BASE}/entityOperations/delete", json=["urn:ngsi-ld:T:0", "urn:ngsi-ld:T:1"])
    assert r.status_code == 204
    r = await client.post(f"{BASE}/entityOperations/delete", json=["urn:ngsi-ld:T:2", "urn:ngsi-ld:T:0"])
    assert r.status_code == 207 and r.json()["success"] == ["urn:ngsi-ld:T:2"]
    assert r.json()["errors"][0]["error"]["type"] == f"{ERR}ResourceNotFound"
