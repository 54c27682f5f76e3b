"""Push through the running platform: a birth registered at the municipality becomes notices.

The birth notification is filed for real (card login, the hospital's certificate, one card
signature, submit); the municipality's outbox event is relayed to the hub, delivered (signed)
to the palm, stored and published locally; the push subscriber asks the household through the
hub, runs the rules and stores notices; the person gets one inbox message and one email.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tenohira.agencies.membership import close_member_clients, member_client
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.credentials import generate_key, present, public_jwk
from tenohira.events.models import OutboxEvent
from tenohira.hub.models import AccessHistoryEntry, EventDelivery, HubEvent
from tenohira.notify.models import InboxMessage, OutgoingEmail
from tenohira.palm.people import close_palm_clients
from tenohira.palm.push.models import Notice, ReceivedEvent
from tests.events.test_outbox import delete_stream
from tests.palm.conftest import Resident, resident

EMAIL = "parent@example.jp"


@pytest.fixture(params=["embedded", "nats"])
def bus(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The event bus of the platform under test: embedded, or NATS JetStream on a stream of its own."""
    if request.param == "embedded":
        yield "embedded"
        return
    url = os.environ.get("TENOHIRA_TEST_NATS_URL")
    if not url:
        pytest.skip("NATS case skipped: set TENOHIRA_TEST_NATS_URL (CI sets it) to run it")
    from tenohira.events import jetstream, tasks

    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"PUSH_{tag}", f"push{tag}"
    monkeypatch.setenv("TENOHIRA_EVENT_BUS", "nats")
    monkeypatch.setenv("TENOHIRA_NATS_URL", url)
    # a stream of its own, so that nothing another test left on the shared server reaches us
    monkeypatch.setattr(
        tasks,
        "make_bus",
        lambda settings, db=None: jetstream.JetStreamBus(
            db or get_database(settings), url, stream=stream, prefix=prefix
        ),
    )
    try:
        yield "nats"
    finally:
        delete_stream(url, stream)


async def file_birth(mother: Resident) -> dict[str, Any]:
    """The birth notification, the whole way (as the resident does it)."""
    http = mother.http
    app = (await http.post("/api/applications", json={"procedure": "birth_notification"})).json()
    wallet = generate_key()
    certs = await http.post(
        "/api/applications/credentials/birth-certificate", json={"holder_jwk": public_jwk(wallet)}
    )
    assert certs.status_code == 200, certs.text
    nonce = (await http.get("/api/applications/credentials/presentation-nonce")).json()
    presentation = present(
        certs.json()["certificates"][0]["credential"],
        holder_key=wallet,
        audience=nonce["audience"],
        nonce=nonce["nonce"],
        disclose=["sex", "birth_datetime", "birth_place", "certifier", "mother_name", "birth_weight_g"],
    )
    r = await http.patch(
        f"/api/applications/{app['id']}",
        json={
            "fields": {
                "child_name": "陽葵",
                "child_name_kana": "ひまり",
                "relation_to_child": "mother",
                "birth_certificate": presentation,
                "presentation_nonce": nonce["nonce"],
            }
        },
    )
    assert r.status_code == 200, r.text
    assert (await http.post(f"/api/applications/{app['id']}/confirm")).status_code == 200
    assert (await mother.sign_manifest(app["id"])).status_code == 200
    done = await mother.submit(app["id"], str(uuid.uuid4()))
    assert done.status_code == 200, done.text
    return dict(done.json())


async def wait_for_notices(http: httpx.AsyncClient, timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await http.get("/api/notices")
        assert r.status_code == 200, r.text
        if r.json()["notices"]:
            return list(r.json()["notices"])
        await asyncio.sleep(0.2)
    raise AssertionError("no notices within the time allowed")


async def test_birth_registered_becomes_notices(bus: str, live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    father = await resident(live_server.url, "R0000001", tmp_path / "father")
    http = mother.http
    try:
        assert (await http.get("/api/notices", headers={"Authorization": ""})).status_code == 401
        assert (await http.get("/api/notices")).json() == {"notices": []}
        r = await http.put("/api/palm/contact", json={"email": EMAIL, "language": "ja"})
        assert r.status_code == 200, r.text

        birth = await file_birth(mother)
        notices = await wait_for_notices(http)
        procedures = [n["procedure"] for n in notices]
        # the birth notification itself is done: it is not noticed again
        assert "birth_notification" not in procedures
        # the demo family already receives the child allowance for its three-year-old: the revision
        # (額改定認定請求), never also the first claim
        assert "child_allowance_revision" in procedures and "child_medical_subsidy" in procedures
        assert "child_allowance_claim" not in procedures
        assert len(procedures) == len(set(procedures))
        allowance = next(n for n in notices if n["procedure"] == "child_allowance_revision")
        assert allowance["amount"] and allowance["amount_period"] == "monthly"
        assert allowance["deadline"] and allowance["explanation"]["ja"] and allowance["explanation"]["en"]
        assert allowance["legal_basis"] and allowance["status"] == "new"
        # most urgent first: procedures by deadline, then those without one, then information
        dated = [n["deadline"] for n in notices if n["kind"] == "procedure" and n["deadline"]]
        assert dated == sorted(dated)
        kinds = [n["kind"] for n in notices]
        assert kinds == sorted(kinds, key=lambda k: k != "procedure")

        one = (await http.get(f"/api/notices/{allowance['id']}")).json()
        assert one["procedure"] == "child_allowance_revision"
        # another resident cannot see it (same answer as for an unknown id)
        assert (await father.http.get(f"/api/notices/{allowance['id']}")).status_code == 404
        assert (await father.http.post(f"/api/notices/{allowance['id']}/dismiss")).status_code == 404

        settings = get_settings()
        async with get_database(settings).session() as s:
            stored = (await s.scalars(sa.select(Notice).where(Notice.event_id.is_not(None)))).all()
            received = (await s.scalars(sa.select(ReceivedEvent))).all()
            # the address itself is cleared once delivered (notify keeps its digest only)
            emails = (
                await s.scalars(
                    sa.select(OutgoingEmail)
                    .join(InboxMessage, InboxMessage.id == OutgoingEmail.message_id)
                    .where(InboxMessage.template == "push_notices")
                )
            ).all()
            inbox = (
                await s.scalars(sa.select(InboxMessage).where(InboxMessage.template == "push_notices"))
            ).all()
            outbox = (
                await s.scalars(sa.select(OutboxEvent).where(OutboxEvent.topic == "birth.registered"))
            ).all()
            hub_event = (await s.scalars(sa.select(HubEvent))).one()
            delivery = (await s.scalars(sa.select(EventDelivery))).one()
            history = (
                await s.scalars(
                    sa.select(AccessHistoryEntry).where(AccessHistoryEntry.exchange_id == delivery.id)
                )
            ).one()
        assert len(stored) == len(notices) and len(received) == 1 and len(outbox) == 1
        assert received[0].payload["notification_id"] and birth["state"] == "notified"
        # the payload that left the municipality carries references only
        assert set(received[0].payload) <= {
            "notification_id",
            "municipality",
            "birth_date",
            "filed_on",
            "deadline",
            "late",
        }
        assert (len(emails), len(inbox)) == (1, 1)
        mail = emails[0]
        assert "陽葵" not in mail.body and "ひまり" not in mail.body and "件" in mail.subject
        assert delivery.delivered_at is not None and hub_event.publisher_id == "municipality"
        assert (history.client_id, history.provider_id, history.service_id) == (
            "municipality",
            "palm",
            "event:birth.registered",
        )
        # the palm's own code, not the municipality's, reached the palm
        assert received[0].subject_code == stored[0].owner_code
        assert delivery.subject_code == received[0].subject_code

        # the relay repeated (as after a crash): the hub answers "duplicate" and nothing is added
        again = await member_client(settings, "municipality").publish_event(
            "birth.registered",
            event_id=outbox[0].event_id,
            subject_code=outbox[0].payload["subject_code"],
            payload={"birth_date": outbox[0].payload["birth_date"]},
        )
        assert again["duplicate"] is True and again["event_id"] == hub_event.id
        # a publisher without the right for a topic is refused
        refused = await member_client(settings, "hospital").send(
            "POST",
            "/events",
            json={"event_id": "x1", "topic": "birth.registered", "payload": {}},
        )
        assert refused.status == 403
        await asyncio.sleep(0.5)
        async with get_database(settings).session() as s:
            assert await s.scalar(sa.select(sa.func.count()).select_from(Notice)) == len(notices)
            assert await s.scalar(sa.select(sa.func.count()).select_from(HubEvent)) == 1

        # dismiss: gone from the list, still there with include_dismissed
        r = await http.post(f"/api/notices/{allowance['id']}/dismiss")
        assert r.status_code == 200 and r.json()["status"] == "dismissed"
        left = (await http.get("/api/notices")).json()["notices"]
        assert allowance["id"] not in [n["id"] for n in left]
        everything = (await http.get("/api/notices", params={"include_dismissed": "true"})).json()
        assert allowance["id"] in [n["id"] for n in everything["notices"]]
    finally:
        await http.aclose()
        await father.http.aclose()
        await close_member_clients()
        await close_palm_clients()
        await dispose_databases()


async def test_event_intake_refuses_what_the_hub_did_not_sign(live_server: Any) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        r = await http.post(
            "/api/palm/events",
            json={"event_id": "e1", "topic": "birth.registered", "publisher": "municipality", "payload": {}},
        )
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    await dispose_databases()
