"""What a create refuses (400 BadRequestData) and what it accepts, clause by clause of GS CIM 009."""

from typing import Any

import httpx
import pytest

from tests.citydata.conftest import BASE

ERR = "https://uri.etsi.org/ngsi-ld/errors/"
P = {"type": "Property", "value": 1}


def entity(**attrs: Any) -> dict[str, Any]:
    return {"id": "urn:ngsi-ld:Vehicle:X1", "type": "Vehicle", **attrs}


REFUSED = {
    "type that is a keyword alias": {"id": "urn:ngsi-ld:Vehicle:X1", "type": "type"},
    "type starting with a digit": {"id": "urn:ngsi-ld:Vehicle:X1", "type": "9Vehicle"},
    "zero-width space in the id": {"id": "urn:ngsi-ld:Vehicle:A\u200bB", "type": "Vehicle"},
    "right-to-left override in the id": {"id": "urn:ngsi-ld:Vehicle:A\u202eB", "type": "Vehicle"},
    "hangul filler in the id": {"id": "urn:ngsi-ld:Vehicle:A\u3164B", "type": "Vehicle"},
    "noncharacter in the id": {"id": "urn:ngsi-ld:Vehicle:A\ufdd0B", "type": "Vehicle"},
    "datasetId as an attribute name": entity(datasetId=P),
    "observedAt as an attribute name": entity(observedAt=P),
    "observedAt with an offset": entity(speed={**P, "observedAt": "2026-11-26T09:00:00+09:00"}),
    "unitCode on a Relationship": entity(r={"type": "Relationship", "object": "urn:a:b", "unitCode": "MTR"}),
    "unitCode on a JsonProperty": entity(j={"type": "JsonProperty", "json": {"a": 1}, "unitCode": "MTR"}),
    "scalar json": entity(j={"type": "JsonProperty", "json": 3}),
    "output-only previousValue": entity(speed={**P, "previousValue": 0}),
    "non-URI objectList entry": entity(l={"type": "ListRelationship", "objectList": ["not a uri"]}),
    "empty language tag": entity(n={"type": "LanguageProperty", "languageMap": {"": "x"}}),
    "mixed language array": entity(n={"type": "LanguageProperty", "languageMap": {"en": ["a", 1]}}),
    "NGSI-LD null value": entity(speed={"type": "Property", "value": "urn:ngsi-ld:null"}),
    "NGSI-LD null in a compound value": entity(a={"type": "Property", "value": {"k": "urn:ngsi-ld:null"}}),
    "location as a plain Property": entity(location={"type": "Property", "value": 3}),
    "empty scope level": {**entity(), "scope": "/a//b"},
    "dash in a scope level": {**entity(), "scope": "/a-b"},
    "NGSI-LD null scope": {**entity(), "scope": "urn:ngsi-ld:null"},
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_create_refuses(client: httpx.AsyncClient, case: str) -> None:
    r = await client.post(f"{BASE}/entities", json=REFUSED[case])
    assert r.status_code == 400, r.text
    assert r.json()["type"] == ERR + "BadRequestData"
    assert (await client.get(f"{BASE}/entities/{REFUSED[case]['id']}")).status_code in (400, 404)


async def test_create_accepts_and_normalizes(client: httpx.AsyncClient) -> None:
    body = {
        "id": "urn:ngsi-ld:Vehicle:Par\u00eds",  # an IRI letter stays allowed
        "type": "Vehicle",
        "scope": ["/Madrid/Gardens", "/\u624b\u306e\u3072\u3089"],
        "roads": {
            "type": "ListRelationship",
            "objectList": ["urn:ngsi-ld:Road:1", {"object": "urn:ngsi-ld:Road:2"}],
        },
        "location": {"type": "GeoProperty", "value": '{"type": "Point", "coordinates": [138.05, 36.1]}'},
        "speed": {"type": "Property", "value": 3, "datasetId": "@none", "observedAt": "2026-11-26T09:00:00Z"},
        "extra": {"type": "Property", "value": {"k": None}},
    }
    r = await client.post(f"{BASE}/entities", json=body)
    assert r.status_code == 201, r.text
    got = (await client.get(f"{BASE}/entities/{body['id']}")).json()
    assert got["roads"]["objectList"] == [{"object": "urn:ngsi-ld:Road:1"}, {"object": "urn:ngsi-ld:Road:2"}]
    assert got["location"]["value"] == {"type": "Point", "coordinates": [138.05, 36.1]}
    assert "datasetId" not in got["speed"]


async def test_update_attributes_types_scope_and_null(client: httpx.AsyncClient) -> None:
    body = {**entity(speed=P, name={"type": "Property", "value": "a"}), "scope": "/A"}
    assert (await client.post(f"{BASE}/entities", json=body)).status_code == 201
    url = f"{BASE}/entities/{body['id']}"
    r = await client.patch(f"{url}/attrs", json={"type": "Car", "scope": ["/B/C"]})
    assert r.status_code == 204, r.text
    got = (await client.get(url)).json()
    assert got["type"] == ["Vehicle", "Car"] and got["scope"] == "/B/C"
    r = await client.patch(f"{url}/attrs", json={"name": "urn:ngsi-ld:null"})
    assert r.status_code == 204, r.text
    got = (await client.get(url)).json()
    assert "name" not in got and got["speed"]["value"] == 1
    r = await client.patch(f"{url}/attrs", json={"scope": "/a-b"})
    assert r.status_code == 400, r.text
