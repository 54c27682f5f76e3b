"""Background work of citydata: periodic subscription notifications, and IoT readings over
MQTT into NGSI-LD attributes (optional).

When ``settings.mqtt_url`` is set (e.g. ``mqtt://127.0.0.1:1883``), the platform subscribes to
``ngsi-ld/v1/entities/<entity id>/attrs`` — the topic mirrors the REST path of the append
operation — and appends each message's attributes to the entity, exactly as
``POST /ngsi-ld/v1/entities/{id}/attrs`` would (subscriptions are notified the same way).

Payload: a JSON object of attributes in normalized or concise form, names in the core
@context (default vocabulary); a top-level ``observedAt`` is copied onto bare values::

    {"pm25": 12.4, "no2": 8.1, "observedAt": "2026-11-26T09:10:00Z"}
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlparse

import structlog

from tenohira.citydata import service
from tenohira.citydata import subscriptions as subs
from tenohira.citydata.errors import NgsiError
from tenohira.citydata.jsonld import core_context
from tenohira.core.config import Settings
from tenohira.core.db import Database, get_database

log = structlog.get_logger("tenohira.citydata")

TOPIC_PREFIX = "ngsi-ld/v1/entities/"
TOPIC_FILTER = TOPIC_PREFIX + "+/attrs"


def _fragment(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValueError("the payload must be a JSON object")
    observed = payload.get("observedAt")
    out: dict[str, Any] = {}
    for name, value in payload.items():
        if name == "observedAt":
            continue
        if not isinstance(value, dict) and observed is not None:
            value = {"type": "Property", "value": value, "observedAt": observed}
        out[name] = value
    return out


async def ingest(db: Database, topic: str, payload: bytes) -> service.Change | None:
    """Apply one MQTT message; None when it is not for us or is invalid (logged, not raised)."""
    if not topic.startswith(TOPIC_PREFIX) or not topic.endswith("/attrs"):
        return None
    entity_id = topic[len(TOPIC_PREFIX) : -len("/attrs")]
    try:
        fragment = _fragment(json.loads(payload))
        async with db.session() as session:
            _result, change = await service.append_attributes(
                session, entity_id, fragment, core_context(), no_overwrite=False
            )
    except (ValueError, NgsiError) as exc:
        log.warning("MQTT reading rejected", topic=topic, error=str(exc))
        return None
    subs.notifier_for(db).schedule([change])
    return change


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Periodic subscription notifications, and MQTT readings when ``mqtt_url`` is set."""
    jobs = [periodic_notifications(settings, stop)]
    if settings.mqtt_url:
        jobs.append(consume_mqtt(settings, stop))
    await asyncio.gather(*jobs)


async def periodic_notifications(settings: Settings, stop: asyncio.Event) -> None:
    """Once a second, send what periodic (timeInterval) subscriptions are due."""
    db = get_database(settings)
    while not stop.is_set():
        try:
            await subs.notifier_for(db).periodic()
        except Exception:
            log.exception("periodic notifications failed")
        try:
            await asyncio.wait_for(stop.wait(), 1)
        except TimeoutError:
            pass


async def consume_mqtt(settings: Settings, stop: asyncio.Event) -> None:
    """Consume readings until ``stop``; reconnects after broker failures."""
    import aiomqtt

    assert settings.mqtt_url is not None

    url = urlparse(settings.mqtt_url)
    host, port = url.hostname or "127.0.0.1", url.port or 1883
    db = get_database(settings)
    while not stop.is_set():
        try:
            async with aiomqtt.Client(host, port, username=url.username, password=url.password) as client:
                await client.subscribe(TOPIC_FILTER, qos=1)
                log.info("MQTT ingestion connected", host=host, port=port, topic=TOPIC_FILTER)

                async def consume(c: aiomqtt.Client = client) -> None:
                    async for message in c.messages:
                        body = message.payload
                        data = body if isinstance(body, bytes) else str(body).encode()
                        await ingest(db, str(message.topic), data)

                consumer = asyncio.create_task(consume())
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({consumer, stopper}, return_when=asyncio.FIRST_COMPLETED)
                for t in (consumer, stopper):
                    t.cancel()
                await asyncio.gather(consumer, stopper, return_exceptions=True)
        except aiomqtt.MqttError as exc:
            log.warning("MQTT connection lost; retrying", error=str(exc))
            try:
                await asyncio.wait_for(stop.wait(), 2)
            except TimeoutError:
                pass
