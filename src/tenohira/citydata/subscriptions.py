"""NGSI-LD subscriptions (GS CIM 009 clauses 5.8, 5.11): validation, matching, HTTP notifications.

Notifications are sent after the changing transaction commits, from a background task,
as ``POST`` to the endpoint URI with the Notification body. Subscriptions are cached per
process for two seconds so that a write does not read the subscription table each time;
a subscription created in another process therefore starts matching within two seconds.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog

from tenohira.citydata import entities as ent
from tenohira.citydata import service
from tenohira.citydata.errors import NgsiError, bad_request
from tenohira.citydata.geo import GEORELS, GeoQuery
from tenohira.citydata.jsonld import ActiveContext, build_context, link_header
from tenohira.citydata.query import Node, evaluate, parse_q
from tenohira.core.db import Database

log = structlog.get_logger("tenohira.citydata")

FORMATS = ("normalized", "keyValues", "concise")
ACCEPTS = ("application/json", "application/ld+json", "application/geo+json")
CACHE_SECONDS = 2.0
TRIGGERS = (
    "entityCreated",
    "entityUpdated",
    "entityDeleted",
    "attributeCreated",
    "attributeUpdated",
    "attributeDeleted",
)
DEFAULT_TRIGGERS = ("attributeCreated", "attributeUpdated")
STATE_MEMBERS = ("status", "timesSent", "timesFailed", "lastNotification", "lastSuccess", "lastFailure")


def validate(body: Any, ctx: ActiveContext, *, partial: bool = False) -> dict[str, Any]:
    """Check a Subscription (or, with ``partial``, a fragment for PATCH) and return what to store."""
    if not isinstance(body, dict):
        raise bad_request("a subscription must be a JSON object")
    sub = {k: v for k, v in body.items() if k != "@context"}
    if not partial:
        if sub.get("type") != "Subscription":
            raise bad_request("type must be 'Subscription'")
        sid = sub.setdefault("id", f"urn:ngsi-ld:Subscription:{uuid.uuid4()}")
        if not ent.is_uri(sid):
            raise bad_request("the subscription id must be a URI")
        if not sub.get("entities") and not sub.get("watchedAttributes"):
            raise bad_request("a subscription needs entities or watchedAttributes")
        if "notification" not in sub:
            raise bad_request("a subscription needs notification")
    else:
        if "id" in sub or ("type" in sub and sub["type"] != "Subscription"):
            raise bad_request("id and type of a subscription cannot be changed")
    if "entities" in sub:
        es = sub["entities"]
        if not isinstance(es, list) or not es:
            raise bad_request("entities must be a non-empty array")
        for sel in es:
            if not isinstance(sel, dict) or not isinstance(sel.get("type"), str):
                raise bad_request("each entity selector needs a type")
            if "id" in sel and not ent.is_uri(sel["id"]):
                raise bad_request("an entity selector id must be a URI")
            if "idPattern" in sel:
                try:
                    re.compile(sel["idPattern"])
                except (re.error, TypeError) as exc:
                    raise bad_request("invalid idPattern") from exc
            service.parse_type_selection(sel["type"], ctx)
    if "watchedAttributes" in sub:
        wa = sub["watchedAttributes"]
        if not isinstance(wa, list) or not wa or not all(isinstance(a, str) and a for a in wa):
            raise bad_request("watchedAttributes must be a non-empty array of names")
    if "timeInterval" in sub:
        if "watchedAttributes" in sub:
            raise bad_request("timeInterval and watchedAttributes cannot be combined")
        ti = sub["timeInterval"]
        if not isinstance(ti, int | float) or isinstance(ti, bool) or ti <= 0:
            raise bad_request("timeInterval must be a positive number of seconds")
    if "notificationTrigger" in sub:
        nt = sub["notificationTrigger"]
        if not isinstance(nt, list) or not nt or not all(t in TRIGGERS for t in nt):
            raise bad_request(f"notificationTrigger must list some of {', '.join(TRIGGERS)}")
    if "q" in sub:
        if not isinstance(sub["q"], str):
            raise bad_request("q must be a string")
        parse_q(sub["q"])
    if "geoQ" in sub:
        g = sub["geoQ"]
        if not isinstance(g, dict):
            raise bad_request("geoQ must be an object")
        parse_geo(g.get("georel"), g.get("geometry"), g.get("coordinates"), g.get("geoproperty"), ctx)
    if "notification" in sub:
        n = sub["notification"]
        if not isinstance(n, dict) or not isinstance(n.get("endpoint"), dict):
            raise bad_request("notification needs an endpoint")
        ep = n["endpoint"]
        if not ent.is_uri(ep.get("uri")):
            raise bad_request("notification.endpoint.uri must be a URI")
        if "accept" in ep and ep["accept"] not in ACCEPTS:
            raise bad_request(f"notification.endpoint.accept must be one of {', '.join(ACCEPTS)}")
        if "format" in n and n["format"] not in FORMATS:
            raise bad_request(f"notification.format must be one of {', '.join(FORMATS)}")
        if "attributes" in n and (
            not isinstance(n["attributes"], list) or not all(isinstance(a, str) for a in n["attributes"])
        ):
            raise bad_request("notification.attributes must be an array of names")
        for key in STATE_MEMBERS:
            n.pop(key, None)
    if "jsonldContext" in sub and not ent.is_uri(sub["jsonldContext"]):
        raise bad_request("jsonldContext must be a URI")
    if "expiresAt" in sub and ent.parse_datetime(sub["expiresAt"]) is None:
        raise bad_request("expiresAt must be a DateTime")
    if "isActive" in sub and not isinstance(sub["isActive"], bool):
        raise bad_request("isActive must be true or false")
    if "throttling" in sub and (not isinstance(sub["throttling"], int | float) or sub["throttling"] < 0):
        raise bad_request("throttling must be a non-negative number")
    sub.pop("status", None)
    return sub


def parse_geo(georel: Any, geometry: Any, coordinates: Any, geoproperty: Any, ctx: ActiveContext) -> GeoQuery:
    """Validate a geo-query (clause 4.10) given as parameters or as a geoQ object."""
    import json

    from tenohira.citydata.geo import GEOMETRY_TYPES, GeometryError, parse_geometry

    if not isinstance(georel, str) or not isinstance(geometry, str) or coordinates is None:
        raise bad_request("a geo-query needs georel, geometry and coordinates")
    parts = georel.split(";")
    rel = parts[0]
    if rel not in GEORELS:
        raise bad_request(f"unknown georel {rel!r}")
    max_d = min_d = None
    for mod in parts[1:]:
        m = re.fullmatch(r"(maxDistance|minDistance)==(\d+(\.\d+)?)", mod)
        if not m or rel != "near":
            raise bad_request(f"invalid georel modifier {mod!r}")
        if m.group(1) == "maxDistance":
            max_d = float(m.group(2))
        else:
            min_d = float(m.group(2))
    if rel == "near" and max_d is None and min_d is None:
        raise bad_request("near needs maxDistance or minDistance")
    if geometry not in GEOMETRY_TYPES:
        raise bad_request(f"unknown geometry {geometry!r}")
    if rel == "near" and geometry != "Point":
        raise bad_request("near needs a Point")
    coords = coordinates
    if isinstance(coords, str):
        try:
            coords = json.loads(coords)
        except ValueError:
            try:
                coords = json.loads("[" + coords + "]")
            except ValueError as exc:
                raise bad_request("coordinates must be a JSON array") from exc
    try:
        shape = parse_geometry(geometry, coords)
    except GeometryError as exc:
        raise bad_request(f"invalid coordinates: {exc}") from exc
    prop = geoproperty if isinstance(geoproperty, str) and geoproperty else "location"
    return GeoQuery(rel, shape, geometry, ctx.expand(prop), max_d, min_d)


def state_of(data: dict[str, Any], now: datetime) -> str:
    """The subscription status: active, paused or expired."""
    expires = ent.parse_datetime(data.get("expiresAt"))
    if expires is not None and expires <= now:
        return "expired"
    return "active" if data.get("isActive", True) else "paused"


def render(data: dict[str, Any], created: datetime, modified: datetime, *, sys_attrs: bool) -> dict[str, Any]:
    """A stored subscription as returned by GET (with its status)."""
    # What the subscriber wrote, plus status and the default triggers (clause 5.2.12); the
    # notification counters appear once notifications have been sent.
    out = dict(data)
    out["status"] = state_of(data, ent.now_utc())
    out.setdefault("notificationTrigger", list(DEFAULT_TRIGGERS))
    if sys_attrs:
        out["createdAt"] = ent.iso(created)
        out["modifiedAt"] = ent.iso(modified)
    return out


@dataclass
class Active:
    """A subscription ready for matching (names expanded with its @context)."""

    id: str
    data: dict[str, Any]
    ctx: ActiveContext
    selectors: list[tuple[list[list[str]], str | None, re.Pattern[str] | None]]
    watched: set[str] | None
    q: Node | None
    geo: GeoQuery | None
    notify_ctx: ActiveContext

    def matches(self, e: service.StoredEntity, changed: set[str]) -> bool:
        if self.watched is not None and not (self.watched & changed):
            return False
        if self.selectors:
            ok = False
            for groups, eid, pattern in self.selectors:
                if eid is not None and eid != e.id:
                    continue
                if pattern is not None and not pattern.search(e.id):
                    continue
                if any(all(t in e.types for t in g) for g in groups):
                    ok = True
                    break
            if not ok:
                return False
        if self.q is not None and not evaluate(self.q, e.data, self.ctx):
            return False
        return not (
            self.geo is not None
            and not any(
                self.geo.matches(i.get("value")) for i in ent.instances(e.data.get(self.geo.geoproperty))
            )
        )


def _activate(sid: str, data: dict[str, Any], context: Any, hosted: dict[str, Any]) -> Active | None:
    try:
        ctx = build_context(context, hosted=hosted.get)
        # Notifications are compacted with jsonldContext when the subscription names one.
        notify_ctx = (
            build_context(data["jsonldContext"], hosted=hosted.get) if data.get("jsonldContext") else ctx
        )
        selectors = []
        for sel in data.get("entities") or []:
            groups = service.parse_type_selection(sel["type"], ctx)
            pattern = re.compile(sel["idPattern"]) if "idPattern" in sel else None
            selectors.append((groups, sel.get("id"), pattern))
        watched = (
            {ctx.expand(a) for a in data["watchedAttributes"]} if data.get("watchedAttributes") else None
        )
        q = parse_q(data["q"]) if data.get("q") else None
        g = data.get("geoQ")
        geo = (
            parse_geo(g.get("georel"), g.get("geometry"), g.get("coordinates"), g.get("geoproperty"), ctx)
            if g
            else None
        )
    except NgsiError:
        log.warning("subscription cannot be evaluated", subscription=sid)
        return None
    return Active(sid, data, ctx, selectors, watched, q, geo, notify_ctx)


class Notifier:
    """Per-database subscription cache and notification sender."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: list[Active] = []
        self._loaded = 0.0
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_sent: dict[str, float] = {}
        self._generation = 0

    def invalidate(self) -> None:
        self._loaded = 0.0
        self._generation += 1

    async def active(self) -> list[Active]:
        if time.monotonic() - self._loaded < CACHE_SECONDS:
            return self._cache
        async with self._lock:
            if time.monotonic() - self._loaded >= CACHE_SECONDS:
                # A change made while loading must not be hidden by this (older) load.
                generation = self._generation
                async with self.db.session() as session:
                    rows, _ = await service.list_subscriptions(session)
                    hosted = await service.hosted_contexts(session) if rows else {}
                now = ent.now_utc()
                subs = []
                for data, context, _c, _m in rows:
                    if state_of(data, now) != "active":
                        continue
                    a = _activate(str(data["id"]), data, context, hosted)
                    if a is not None:
                        subs.append(a)
                self._cache = subs
                if generation == self._generation:
                    self._loaded = time.monotonic()
        return self._cache

    def schedule(self, changes: list[service.Change]) -> None:
        """After commit: match and notify in the background."""
        changes = [c for c in changes if c.attributes or c.created]
        if not changes:
            return
        task = asyncio.create_task(self._process(changes))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for notifications under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _process(self, changes: list[service.Change]) -> None:
        try:
            subs = await self.active()
            if not subs:
                return
            async with self.db.session() as session:
                stored = {
                    e.id: e for e in await service.entities_by_id(session, [c.entity_id for c in changes])
                }
            for sub in subs:
                if sub.data.get("timeInterval"):
                    continue  # periodic subscriptions notify on their clock, not on changes
                hits = [
                    stored[c.entity_id]
                    for c in changes
                    if c.entity_id in stored and sub.matches(stored[c.entity_id], c.attributes)
                ]
                if not hits:
                    continue
                throttle = float(sub.data.get("throttling", 0) or 0)
                last = self._last_sent.get(sub.id, 0.0)
                if throttle and time.monotonic() - last < throttle:
                    continue
                self._last_sent[sub.id] = time.monotonic()
                await self.send(sub, hits)
        except Exception:
            log.exception("notification processing failed")

    async def periodic(self, now: float | None = None) -> int:
        """Send the notifications of periodic (timeInterval) subscriptions that are due.

        Returns how many were sent. Matching entities are read per subscription (at most
        1,000, the largest page of a query).
        """
        now = time.monotonic() if now is None else now
        sent = 0
        for sub in await self.active():
            interval = sub.data.get("timeInterval")
            if not interval or now - self._last_sent.get(sub.id, -1e18) < float(interval):
                continue
            self._last_sent[sub.id] = now
            groups = [g for groups, _id, _p in sub.selectors for g in groups]
            query = service.EntityQuery(type_groups=groups or None, limit=service.MAX_LIMIT)
            if not groups:
                query.attrs = frozenset(sub.watched or ())
                if not query.attrs:
                    continue
            async with self.db.session() as session:
                found, _total, _more = await service.query_entities(session, query, sub.ctx)
            hits = [e for e in found if sub.matches(e, set(e.data))]
            if hits:
                await self.send(sub, hits)
                sent += 1
        return sent

    async def send(self, sub: Active, hits: list[service.StoredEntity]) -> None:
        """POST one Notification with ``hits`` to the subscription's endpoint; record the outcome."""
        n = sub.data.get("notification", {})
        ep = n.get("endpoint", {})
        accept = ep.get("accept", "application/json")
        attrs = frozenset(sub.notify_ctx.expand(a) for a in n["attributes"]) if n.get("attributes") else None
        opts = ent.RenderOptions(
            fmt=n.get("format", "normalized"), attrs=attrs, sys_attrs=bool(n.get("sysAttrs"))
        )
        data = [e.render(sub.notify_ctx, opts) for e in hits]
        headers = {"Content-Type": "application/json"}
        if accept == "application/ld+json":
            headers["Content-Type"] = "application/ld+json"
            for d in data:
                d["@context"] = sub.notify_ctx.response_context()
        else:
            headers["Link"] = link_header(sub.notify_ctx.link_url())
        receiver = ep.get("receiverInfo")
        for info in receiver if isinstance(receiver, list) else []:
            if isinstance(info, dict) and "key" in info:
                headers[str(info["key"])] = str(info.get("value", ""))
        now = ent.iso(ent.now_utc())
        body = {
            "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
            "type": "Notification",
            "subscriptionId": sub.id,
            "notifiedAt": now,
            "data": data,
        }
        ok = False
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                r = await client.post(ep["uri"], json=body, headers=headers)
            ok = r.status_code < 400
        except httpx.HTTPError as exc:
            log.warning("notification failed", subscription=sub.id, error=str(exc))
        await self._record(sub.id, ok, now)

    async def _record(self, sid: str, ok: bool, at: str) -> None:
        try:
            async with self.db.session() as session:
                data, context, _c, _m = await service.load_subscription(session, sid)
                n = dict(data.get("notification", {}))
                n["timesSent"] = int(n.get("timesSent", 0)) + 1
                n["lastNotification"] = at
                if ok:
                    n["lastSuccess"] = at
                    n["status"] = "ok"
                else:
                    n["lastFailure"] = at
                    n["timesFailed"] = int(n.get("timesFailed", 0)) + 1
                    n["status"] = "failed"
                data["notification"] = n
                await service.save_subscription(session, sid, data, context)
        except NgsiError:
            pass  # deleted meanwhile


_notifiers: dict[str, Notifier] = {}


def notifier_for(db: Database) -> Notifier:
    """The process-wide notifier of a database."""
    n = _notifiers.get(db.url)
    if n is None or n.db is not db:
        n = _notifiers[db.url] = Notifier(db)
    return n
