"""Events across the hub: a member publishes, the hub checks, translates, logs and delivers.

A publisher (the municipality: ``birth.registered``) relays an event from its outbox with a
signed ``POST /hub/events`` naming the person by **its own** code (``Hub-Subject``). The hub

1. checks the publisher may publish that topic (``hub_event_publishers``);
2. accepts each (publisher, publisher's event id) once — a relay retried after a crash gets the
   same answer and creates nothing twice;
3. for every subscription of the topic (``hub_event_subscriptions``: member × topic × path)
   translates the subject into **that member's** code and stores a pending delivery, in the same
   transaction as the event and its exchange-log entry;
4. delivers each pending delivery, signed like a forwarded exchange (label ``hub``; the
   subscriber checks it with :class:`HubProvider`), at least once: at once after the commit,
   and again with back-off until the subscriber's signed answer (label ``provider``) says it is
   stored. A delivery becomes an access-history entry of the person ("the municipality told the
   palm that a birth was registered") when it is delivered.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core.config import Settings
from tenohira.core.crashpoints import crash_point
from tenohira.hub import repository
from tenohira.hub import signatures as hs
from tenohira.hub.gate import HUB_LABEL, PROVIDER_LABEL, check_signature_params, new_exchange_id
from tenohira.hub.models import (
    EventDelivery,
    EventPublisher,
    EventSubscription,
    HubEvent,
)
from tenohira.hub.problems import HubRefusal
from tenohira.hub.runtime import ForwardError, HubState
from tenohira.hub.service import aware, history_entry, subject_vault_id
from tenohira.vault import open_vault

log = structlog.get_logger("tenohira.hub.events")

EVENT_PURPOSE = "event-notification"
DELIVERY_TIMEOUT = 15.0
MAX_BACKOFF = 600.0
RETRY_POLL_SECONDS = 1.0
TOPIC_RE = r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$"


class EventIn(BaseModel):
    """What a publisher sends: its own event id, the topic, when it happened, references only."""

    event_id: str = Field(min_length=1, max_length=64)
    topic: str = Field(max_length=128, pattern=TOPIC_RE)
    occurred_at: datetime | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


def service_of(topic: str) -> str:
    """How a topic appears where services do (``Hub-Service``, access history): ``event:<topic>``."""
    return f"event:{topic}"


def backoff(attempts: int) -> float:
    """Seconds before delivery attempt ``attempts + 1`` (1, 2, 4 … capped at 10 minutes, ±20 %)."""
    return min(MAX_BACKOFF, 2.0 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


# --- directory of publishers and subscriptions (bootstrap, CLI) -------------------------------


async def allow_publisher(session: AsyncSession, member_id: str, topic: str, legal_basis: str) -> None:
    """Let ``member_id`` publish ``topic`` (idempotent; the legal basis is kept current)."""
    row = await repository.get_publisher(session, member_id, topic)
    if row is None:
        session.add(
            EventPublisher(
                member_id=member_id, topic=topic, legal_basis=legal_basis, created_at=datetime.now(UTC)
            )
        )
    else:
        row.legal_basis = legal_basis


async def subscribe_member(
    session: AsyncSession, member_id: str, topic: str, path: str, legal_basis: str
) -> None:
    """Deliver ``topic`` to ``member_id`` at ``base_url + path`` (idempotent)."""
    row = await repository.get_subscription(session, member_id, topic)
    if row is None:
        session.add(
            EventSubscription(
                member_id=member_id,
                topic=topic,
                path=path,
                legal_basis=legal_basis,
                created_at=datetime.now(UTC),
            )
        )
    else:
        row.path, row.legal_basis = path, legal_basis


# --- accepting an event ----------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    event_id: str
    deliveries: list[str]
    duplicate: bool


async def accept(state: HubState, publisher: str, subject_code: str | None, data: EventIn) -> Accepted:
    """Check, translate and store an event with its pending deliveries (one transaction)."""
    async with state.db.session() as session:
        allowed = await repository.get_publisher(session, publisher, data.topic)
        if allowed is None:
            raise HubRefusal.of("hub-no-access-right", f"{publisher} may not publish {data.topic}")
        existing = await _existing(session, publisher, data.event_id)
        subscriptions = await repository.subscriptions_to(session, data.topic)
    if existing is not None:
        return existing
    subject_id = await state.subject_of(publisher, subject_code) if subject_code else None
    directory = await state.directory()
    targets: list[tuple[EventSubscription, str | None]] = []
    for sub in subscriptions:
        member = directory.members.get(sub.member_id)
        if member is None or member.status != "active" or not member.base_url or sub.member_id == publisher:
            continue
        # minted before our write transaction: the hub may share an SQLite database
        code = await state.code_for(sub.member_id, subject_id) if subject_id else None
        targets.append((sub, code))
    now = datetime.now(UTC)
    event_id = new_exchange_id()
    deliveries = [new_exchange_id() for _ in targets]
    logged = json.dumps(data.payload, sort_keys=True).encode()
    if subject_id:
        # about a person: the log keeps a digest keyed by the subject's vault key (unlinkable once shredded)
        vault = await open_vault(state.settings)
        logged = vault.person_digest(subject_vault_id(subject_id), logged)
    try:
        async with state.db.session() as session:
            session.add(
                HubEvent(
                    id=event_id,
                    publisher_id=publisher,
                    publisher_event_id=data.event_id,
                    topic=data.topic,
                    subject_id=subject_id,
                    payload=data.payload,
                    occurred_at=data.occurred_at,
                    received_at=now,
                )
            )
            await session.flush()
            for delivery_id, (sub, code) in zip(deliveries, targets, strict=True):
                session.add(
                    EventDelivery(
                        id=delivery_id,
                        event_id=event_id,
                        member_id=sub.member_id,
                        subject_code=code,
                        legal_basis=sub.legal_basis,
                        attempts=0,
                    )
                )
            await append_event(
                session,
                type="hub:event:published",
                actor=publisher,
                subject=f"{publisher}:{subject_code[:64]}" if subject_code else None,
                payload=logged,
                attributes={
                    "event_id": event_id,
                    "topic": data.topic,
                    "subscribers": ",".join(sorted(s.member_id for s, _ in targets))[:256],
                    "legal_basis": allowed.legal_basis[:256],
                },
            )
    except IntegrityError:
        # the same relay raced itself (two dispatchers): the first one's event stands
        async with state.db.session() as session:
            raced = await _existing(session, publisher, data.event_id)
        if raced is None:
            raise
        return raced
    crash_point("hub.event.accepted")
    return Accepted(event_id, deliveries, duplicate=False)


async def _existing(session: AsyncSession, publisher: str, publisher_event_id: str) -> Accepted | None:
    found = await repository.event_from(session, publisher, publisher_event_id)
    return None if found is None else Accepted(found[0], found[1], duplicate=True)


# --- delivering ----------------------------------------------------------------------------


@dataclass
class _Job:
    delivery: EventDelivery
    event: HubEvent
    path: str


class EventCourier:
    """Delivers pending deliveries: at once when kicked, and by a retry loop with back-off."""

    def __init__(self, state: HubState) -> None:
        self.state = state
        self._inflight: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.wake = asyncio.Event()

    def kick(self, delivery_ids: list[str]) -> None:
        """Deliver these now, in the background (the publisher's answer does not wait for them)."""
        for delivery_id in delivery_ids:
            if delivery_id in self._inflight:
                continue
            self._inflight.add(delivery_id)
            task = asyncio.create_task(self._deliver_id(delivery_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver_id(self, delivery_id: str) -> None:
        try:
            async with self.state.db.session() as session:
                job = await _load(session, delivery_id)
            if job is not None:
                await self._deliver(job)
        except Exception:
            log.warning("event delivery failed", delivery=delivery_id, exc_info=True)
        finally:
            self._inflight.discard(delivery_id)

    async def deliver_due(self, limit: int = 100) -> int:
        """One round over deliveries whose time has come; returns how many were attempted."""
        now = datetime.now(UTC)
        async with self.state.db.session() as session:
            rows = await repository.due_deliveries(session, now, limit)
        jobs = [_Job(d, e, p) for d, e, p in rows if d.id not in self._inflight]
        for job in jobs:
            self._inflight.add(job.delivery.id)

        async def one(job: _Job) -> None:
            try:
                await self._deliver(job)
            except Exception:
                log.warning("event delivery failed", delivery=job.delivery.id, exc_info=True)
            finally:
                self._inflight.discard(job.delivery.id)

        await asyncio.gather(*(one(j) for j in jobs))
        return len(jobs)

    async def run(self, stop: asyncio.Event) -> None:
        """Retry due deliveries until ``stop`` is set (also delivers what a crash left pending)."""
        while not stop.is_set():
            try:
                await self.deliver_due()
            except Exception:
                # the tables may not exist yet (before migration); try again next round
                log.debug("event delivery round skipped", exc_info=True)
            try:
                await asyncio.wait_for(stop.wait(), RETRY_POLL_SECONDS)
            except TimeoutError:
                pass
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, job: _Job) -> None:
        state = self.state
        directory = await state.directory()
        member = directory.members.get(job.delivery.member_id)
        if member is None or member.status != "active" or not member.base_url:
            await _failed(state, job.delivery.id, job.delivery.attempts, "subscriber not active")
            return
        crash_point("hub.delivery.before_send")
        try:
            status = await _send(state, job, member.base_url, member.public_key, member.id)
        except HubRefusal as exc:
            await _failed(state, job.delivery.id, job.delivery.attempts, exc.detail or exc.slug)
            return
        crash_point("hub.delivery.after_send")
        await _delivered(state, job, status)


async def _load(session: AsyncSession, delivery_id: str) -> _Job | None:
    row = await repository.pending_delivery(session, delivery_id)
    return _Job(row[0], row[1], row[2]) if row is not None else None


def delivery_body(event: HubEvent) -> bytes:
    """What the subscriber receives (the hub's event id is its idempotency key)."""
    return json.dumps(
        {
            "event_id": event.id,
            "topic": event.topic,
            "publisher": event.publisher_id,
            "occurred_at": aware(event.occurred_at).isoformat() if event.occurred_at else None,
            "received_at": aware(event.received_at).isoformat(),
            "payload": event.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


async def _send(state: HubState, job: _Job, base_url: str, subscriber_key: Any, subscriber: str) -> int:
    """POST the event to the subscriber, signed by the hub; check its signed answer."""
    body = delivery_body(job.event)
    url = base_url.rstrip("/") + job.path
    headers = {
        "content-digest": hs.content_digest(body),
        "content-type": "application/json",
        "hub-client": job.event.publisher_id,
        "hub-service": service_of(job.event.topic),
        "hub-purpose": EVENT_PURPOSE,
        "hub-exchange-id": job.delivery.id,
    }
    if job.delivery.subject_code:
        headers["hub-subject"] = job.delivery.subject_code
    message = hs.Message.request_from_url("POST", url, headers)
    params = hs.SignatureParams(
        covered=hs.components("@method", "@authority", "@path", "@query", *headers),
        created=int(time.time()),
        keyid=state.credentials.member_id,
        nonce=secrets.token_urlsafe(18),
        alg=hs.ALG,
    )
    sig_input, sig = hs.sign(message, params, state.credentials.private_key, label=HUB_LABEL)
    headers["signature-input"], headers["signature"] = sig_input, sig
    try:
        response = await state.send("POST", url, body, headers, DELIVERY_TIMEOUT)
    except ForwardError as exc:
        raise HubRefusal.of("hub-provider-unavailable", str(exc)) from exc
    answer = response.headers
    try:
        received = hs.parse_signature(answer, PROVIDER_LABEL)
        if received.params.keyid != subscriber:
            raise HubRefusal.of("hub-provider-invalid", "answer signed by another key")
        required = hs.components("@status", "content-digest", "hub-exchange-id")
        check_signature_params(received, required, state.settings.hub_clock_skew_seconds, time.time())
        hs.verify(hs.Message(status=response.status, headers=answer), received, subscriber_key)
        hs.check_content_digest(answer.get("content-digest"), response.body)
    except hs.SignatureError as exc:
        raise HubRefusal.of("hub-provider-invalid", f"subscriber answer: {exc}") from exc
    if answer.get("hub-exchange-id") != job.delivery.id:
        raise HubRefusal.of("hub-provider-invalid", "answer is for another delivery")
    if response.status >= 300:
        raise HubRefusal.of("hub-provider-unavailable", f"subscriber answered {response.status}")
    return response.status


async def _delivered(state: HubState, job: _Job, status: int) -> None:
    now = datetime.now(UTC)
    async with state.db.session() as session:
        if not await repository.mark_delivered(session, job.delivery.id, now):
            return  # another courier got there first: its history entry stands
        if job.event.subject_id is not None:
            await repository.add_history(
                session,
                [
                    history_entry(
                        exchange_id=job.delivery.id,
                        subject_id=job.event.subject_id,
                        at=now,
                        client_id=job.event.publisher_id,
                        provider_id=job.delivery.member_id,
                        service_id=service_of(job.event.topic),
                        purpose=EVENT_PURPOSE,
                        legal_basis=job.delivery.legal_basis,
                        status=status,
                        third_party=False,
                    )
                ],
            )
        await append_event(
            session,
            type="hub:event:delivered",
            actor=job.event.publisher_id,
            subject=(
                f"{job.delivery.member_id}:{job.delivery.subject_code}" if job.delivery.subject_code else None
            ),
            attributes={
                "event_id": job.event.id,
                "delivery_id": job.delivery.id,
                "topic": job.event.topic,
                "subscriber": job.delivery.member_id,
                "status": str(status),
            },
        )


async def _failed(state: HubState, delivery_id: str, attempts: int, error: str) -> None:
    async with state.db.session() as session:
        await repository.mark_failed(
            session, delivery_id, datetime.now(UTC) + timedelta(seconds=backoff(attempts + 1)), error
        )


# one courier per hub state (i.e. per settings and event loop)
_couriers: dict[tuple[str, int], EventCourier] = {}


def courier_for(settings: Settings, state: HubState | None = None) -> EventCourier:
    """The event courier of this process and event loop (shares the API's hub state when given)."""
    key = (str(settings.data_dir), id(asyncio.get_running_loop()))
    courier = _couriers.get(key)
    if courier is None:
        courier = _couriers[key] = EventCourier(state or HubState(settings))
    return courier


async def pending_deliveries(session: AsyncSession) -> int:
    """How many deliveries are still pending (health, tests, operators)."""
    return await repository.count_pending_deliveries(session)


__all__ = [
    "EVENT_PURPOSE",
    "Accepted",
    "EventCourier",
    "EventIn",
    "accept",
    "allow_publisher",
    "courier_for",
    "delivery_body",
    "pending_deliveries",
    "service_of",
    "subscribe_member",
]
