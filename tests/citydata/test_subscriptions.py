"""Subscriptions: CRUD, errors, and HTTP notifications to a real local receiver."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tenohira.citydata.subscriptions import notifier_for
from tests.citydata.conftest import BASE

ERR = "https://uri.etsi.org/ngsi-ld/errors/"


class Receiver:
    """A minimal HTTP/1.1 server on 127.0.0.1 that records POSTed JSON bodies and headers."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], Any]] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = {
                    k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append((headers, json.loads(body) if body else None))
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> "Receiver":
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/notify"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as r:
        yield r


async def settle(db: Any) -> None:
    await notifier_for(db).drain()


async def test_notifications(client: httpx.AsyncClient, receiver: Receiver, migrated_db: Any) -> None:
    entity = {"id": "urn:ngsi-ld:Vehicle:V1", "type": "Vehicle", "speed": 34, "brandName": "Mercedes"}
    assert (await client.post(f"{BASE}/entities", json=entity)).status_code == 201
    sub = {
        "id": "urn:ngsi-ld:Subscription:s1",
        "type": "Subscription",
        "entities": [{"type": "Vehicle"}],
        "watchedAttributes": ["speed"],
        "q": "speed>80",
        "notification": {
            "attributes": ["speed"],
            "format": "keyValues",
            "endpoint": {"uri": receiver.url, "accept": "application/json"},
        },
    }
    r = await client.post(f"{BASE}/subscriptions", json=sub)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:s1"
    url = f"{BASE}/entities/urn:ngsi-ld:Vehicle:V1/attrs"

    await client.post(url, json={"brandName": "Volvo"})  # not watched
    await client.post(url, json={"speed": 50})  # q does not match
    await settle(migrated_db)
    assert receiver.received == []

    assert (await client.post(url, json={"speed": 90})).status_code == 204
    await settle(migrated_db)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["content-type"].startswith("application/json") and "json-ld#context" in headers["link"]
    assert body["type"] == "Notification" and body["subscriptionId"] == "urn:ngsi-ld:Subscription:s1"
    assert body["id"].startswith("urn:ngsi-ld:Notification:") and body["notifiedAt"].endswith("Z")
    assert body["data"] == [{"id": "urn:ngsi-ld:Vehicle:V1", "type": "Vehicle", "speed": 90}]

    r = await client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:s1")
    state = r.json()
    assert state["status"] == "active" and state["notificationTrigger"] == [
        "attributeCreated",
        "attributeUpdated",
    ]
    assert state["notification"]["timesSent"] == 1 and state["notification"]["status"] == "ok"
    assert "lastSuccess" in state["notification"]

    # paused subscriptions do not notify
    r = await client.patch(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:s1", json={"isActive": False})
    assert r.status_code == 204
    await client.post(url, json={"speed": 95})
    await settle(migrated_db)
    assert len(receiver.received) == 1
    assert (await client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:s1")).json()[
        "status"
    ] == "paused"

    # JSON-LD notifications carry the @context in each entity; creation by batch notifies too
    sub2 = {
        "type": "Subscription",
        "entities": [{"type": "Vehicle", "idPattern": "^urn:ngsi-ld:Vehicle:V[2-9]$"}],
        "notification": {"endpoint": {"uri": receiver.url, "accept": "application/ld+json"}},
    }
    r = await client.post(f"{BASE}/subscriptions", json=sub2)
    assert r.status_code == 201
    await client.post(
        f"{BASE}/entityOperations/create",
        json=[
            {"id": "urn:ngsi-ld:Vehicle:V2", "type": "Vehicle", "speed": 1},
            {"id": "urn:ngsi-ld:Vehicle:X", "type": "Vehicle"},
        ],
    )
    await settle(migrated_db)
    assert len(receiver.received) == 2
    headers, body = receiver.received[1]
    assert headers["content-type"].startswith("application/ld+json")
    assert [d["id"] for d in body["data"]] == ["urn:ngsi-ld:Vehicle:V2"]
    assert body["data"][0]["@context"].startswith("https://uri.etsi.org/ngsi-ld/")
    assert body["data"][0]["speed"] == {"type": "Property", "value": 1}


async def test_notifications_use_the_subscription_context(
    client: httpx.AsyncClient, receiver: Receiver, migrated_db: Any
) -> None:
    r = await client.post(
        f"{BASE}/jsonldContexts", json={"@context": {"temp": "https://example.org/temperature"}}
    )
    ctx_url = "http://test" + r.headers["location"]
    link = {"Link": f'<{ctx_url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'}
    sub = {
        "type": "Subscription",
        "entities": [{"type": "Room"}],
        "watchedAttributes": ["temp"],
        "notification": {"format": "keyValues", "endpoint": {"uri": receiver.url}},
    }
    assert (await client.post(f"{BASE}/subscriptions", json=sub, headers=link)).status_code == 201
    r = await client.post(
        f"{BASE}/entities", json={"id": "urn:ngsi-ld:Room:1", "type": "Room", "temp": 21}, headers=link
    )
    assert r.status_code == 201
    await settle(migrated_db)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert body["data"] == [{"id": "urn:ngsi-ld:Room:1", "type": "Room", "temp": 21}]
    assert ctx_url in headers["link"]


async def test_periodic_subscriptions(
    client: httpx.AsyncClient, receiver: Receiver, migrated_db: Any
) -> None:
    await client.post(f"{BASE}/entities", json={"id": "urn:ngsi-ld:Bus:1", "type": "Bus", "speed": 30})
    sub = {
        "type": "Subscription",
        "entities": [{"type": "Bus"}],
        "timeInterval": 5,
        "notification": {"format": "keyValues", "endpoint": {"uri": receiver.url}},
    }
    assert (await client.post(f"{BASE}/subscriptions", json=sub)).status_code == 201
    await client.post(f"{BASE}/entities/urn:ngsi-ld:Bus:1/attrs", json={"speed": 40})
    await settle(migrated_db)
    assert receiver.received == []  # periodic subscriptions do not notify on changes
    notifier = notifier_for(migrated_db)
    assert await notifier.periodic(now=1000.0) == 1
    assert await notifier.periodic(now=1003.0) == 0
    assert await notifier.periodic(now=1005.5) == 1
    assert [b["data"] for _h, b in receiver.received] == [
        [{"id": "urn:ngsi-ld:Bus:1", "type": "Bus", "speed": 40}]
    ] * 2
    for bad in (
        {**sub, "timeInterval": 0},
        {**sub, "watchedAttributes": ["speed"]},
        {**sub, "notificationTrigger": ["x"]},
    ):
        assert (await client.post(f"{BASE}/subscriptions", json=bad)).status_code == 400


async def test_subscription_crud_and_errors(client: httpx.AsyncClient) -> None:
    endpoint = {"endpoint": {"uri": "http://127.0.0.1:9/n"}}
    good = {
        "id": "urn:ngsi-ld:Subscription:a",
        "type": "Subscription",
        "entities": [{"type": "T"}],
        "notification": endpoint,
    }
    assert (await client.post(f"{BASE}/subscriptions", json=good)).status_code == 201
    r = await client.post(f"{BASE}/subscriptions", json=good)
    assert r.status_code == 409 and r.json()["type"] == ERR + "AlreadyExists"
    for bad in (
        {**good, "id": "urn:ngsi-ld:Subscription:b", "type": "Wrong"},
        {"type": "Subscription", "notification": endpoint},
        {"type": "Subscription", "entities": [{"type": "T"}]},
        {
            "type": "Subscription",
            "entities": [{"type": "T"}],
            "notification": {"endpoint": {"uri": "not a uri"}},
        },
        {"type": "Subscription", "entities": [{"id": "urn:x:1"}], "notification": endpoint},
        {"type": "Subscription", "entities": [{"type": "T"}], "q": "a>>>1", "notification": endpoint},
        {"type": "Subscription", "id": "nope", "entities": [{"type": "T"}], "notification": endpoint},
        {"type": "Subscription", "watchedAttributes": [], "notification": endpoint},
        {
            "type": "Subscription",
            "entities": [{"type": "T"}],
            "notification": {**endpoint, "format": "weird"},
        },
        {
            "type": "Subscription",
            "entities": [{"type": "T"}],
            "geoQ": {"georel": "near", "geometry": "Point", "coordinates": [1, 2]},
            "notification": endpoint,
        },
    ):
        r = await client.post(f"{BASE}/subscriptions", json=bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["type"] == ERR + "BadRequestData"
    r = await client.post(
        f"{BASE}/subscriptions", json={**good, "id": "urn:x:j1", "jsonldContext": "not a uri"}
    )
    assert r.status_code == 400 and r.json()["type"] == ERR + "BadRequestData"
    r = await client.post(
        f"{BASE}/subscriptions",
        json={**good, "id": "urn:x:j2", "jsonldContext": "https://example.org/ctx.jsonld"},
    )
    assert r.status_code == 503 and r.json()["type"] == ERR + "LdContextNotAvailable"
    second = {**good, "id": "urn:ngsi-ld:Subscription:b"}
    assert (await client.post(f"{BASE}/subscriptions", json=second)).status_code == 201
    r = await client.get(f"{BASE}/subscriptions?count=true&limit=1")
    assert len(r.json()) == 1 and r.headers["NGSILD-Results-Count"] == "2"
    r = await client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a?options=sysAttrs")
    assert r.json()["entities"] == [{"type": "T"}] and "createdAt" in r.json()
    r = await client.patch(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a", json={"q": "x>1"})
    assert r.status_code == 204
    assert (await client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a")).json()["q"] == "x>1"
    r = await client.patch(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a", json={"q": "x>>>1"})
    assert r.status_code == 400
    assert (await client.patch(f"{BASE}/subscriptions/urn:x:none", json={"q": "x>1"})).status_code == 404
    assert (await client.delete(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a")).status_code == 204
    r = await client.get(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a")
    assert r.status_code == 404 and r.json()["type"] == ERR + "ResourceNotFound"
    assert (await client.delete(f"{BASE}/subscriptions/urn:ngsi-ld:Subscription:a")).status_code == 404
