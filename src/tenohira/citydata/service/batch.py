"""Batch operations: create, upsert, update, merge and delete many entities in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata.errors import NgsiError, already_exists, bad_request
from tenohira.citydata.jsonld import ActiveContext
from tenohira.citydata.service.common import (
    _COLUMNS,
    _T,
    Change,
    _row_values,
    _stored,
)
from tenohira.citydata.service.entities import (
    _save,
    append_attributes,
    delete_entity,
    merge_entity,
)


@dataclass
class BatchResult:
    """NGSI-LD BatchOperationResult."""

    success: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def fail(self, entity_id: Any, error: NgsiError) -> None:
        self.errors.append(
            {"entityId": entity_id if isinstance(entity_id, str) else str(entity_id), "error": error.body()}
        )


def _batch_list(body: Any, *, objects: bool = True) -> list[Any]:
    """The input array of a batch operation; a null item fails the whole request (clause 5.5.4)."""
    if not isinstance(body, list) or not body:
        raise bad_request("a batch operation needs a non-empty JSON array")
    if any(item is None for item in body):
        raise bad_request("a batch operation's array must not contain null")
    if objects and not all(isinstance(item, dict) for item in body):
        raise bad_request("each item of the array must be an entity (a JSON object)")
    return body


async def batch_create(session: AsyncSession, body: Any, ctxs: list[ActiveContext]) -> BatchResult:
    """POST /entityOperations/create: each entity independently (clause 5.6.7)."""
    items = _batch_list(body)
    now = ent.now_utc()
    stamp = ent.iso(now)
    result = BatchResult()
    parsed: list[ent.ParsedEntity] = []
    seen: set[str] = set()
    for item, ctx in zip(items, ctxs, strict=True):
        try:
            p = ent.parse_entity(item, ctx, stamp)
        except NgsiError as err:
            result.fail(item.get("id", "") if isinstance(item, dict) else "", err)
            continue
        if p.id in seen:
            result.fail(p.id, already_exists(f"entity {p.id} appears twice in the batch"))
            continue
        seen.add(p.id)
        parsed.append(p)
    existing: set[str] = set()
    ids = [p.id for p in parsed]
    for i in range(0, len(ids), 500):
        rows = await session.execute(sa.select(_T.c.id).where(_T.c.id.in_(ids[i : i + 500])))
        existing.update(r.id for r in rows)
    fresh = []
    for p in parsed:
        if p.id in existing:
            result.fail(p.id, already_exists(f"entity {p.id} already exists"))
        else:
            fresh.append(p)
    if fresh:
        await session.execute(sa.insert(_T), [_row_values(p, now) for p in fresh])
    for p in fresh:
        result.success.append(p.id)
        result.created.append(p.id)
        result.changes.append(Change(p.id, set(p.attrs), created=True))
    return result


async def batch_upsert(
    session: AsyncSession, body: Any, ctxs: list[ActiveContext], *, replace: bool
) -> BatchResult:
    """POST /entityOperations/upsert (clause 5.6.8): create, or replace/update the existing."""
    items = _batch_list(body)
    result = BatchResult()
    now = ent.now_utc()
    stamp = ent.iso(now)
    for item, ctx in zip(items, ctxs, strict=True):
        eid = item.get("id", "") if isinstance(item, dict) else ""
        try:
            p = ent.parse_entity(item, ctx, stamp)
            row = (await session.execute(sa.select(*_COLUMNS).where(_T.c.id == p.id))).first()
            if row is None:
                await session.execute(sa.insert(_T).values(**_row_values(p, now)))
                result.created.append(p.id)
                result.changes.append(Change(p.id, set(p.attrs), created=True))
            else:
                e = _stored(row)
                if replace:
                    e.data = p.attrs
                    types = p.types
                else:
                    for iri, a in p.attrs.items():
                        e.data[iri], _ = ent.merge_instances(e.data.get(iri), a)
                    types = e.types + [t for t in p.types if t not in e.types]
                await _save(session, e, types=types)
                result.changes.append(Change(p.id, set(p.attrs)))
            result.success.append(p.id)
        except NgsiError as err:
            result.fail(eid, err)
    return result


async def batch_update(
    session: AsyncSession, body: Any, ctxs: list[ActiveContext], *, no_overwrite: bool
) -> BatchResult:
    """POST /entityOperations/update (clause 5.6.9): append attributes to existing entities."""
    items = _batch_list(body)
    result = BatchResult()
    for item, ctx in zip(items, ctxs, strict=True):
        eid = item.get("id", "") if isinstance(item, dict) else ""
        try:
            if not isinstance(item, dict) or not ent.is_uri(eid):
                raise bad_request("each entity needs an id that is a URI")
            if "type" not in item:
                raise bad_request("each entity needs a type")
            fragment = {k: v for k, v in item.items() if k not in ("id", "@context")}
            _upd, change = await append_attributes(session, eid, fragment, ctx, no_overwrite=no_overwrite)
            result.success.append(eid)
            result.changes.append(change)
        except NgsiError as err:
            result.fail(eid, err)
    return result


async def batch_merge(session: AsyncSession, body: Any, ctxs: list[ActiveContext]) -> BatchResult:
    """POST /entityOperations/merge (clause 5.6.20): merge each entity as clause 5.6.17 does."""
    items = _batch_list(body)
    result = BatchResult()
    for item, ctx in zip(items, ctxs, strict=True):
        eid = item.get("id", "")
        try:
            if not ent.is_uri(eid):
                raise bad_request("each entity needs an id that is a URI")
            fragment = {k: v for k, v in item.items() if k != "@context"}
            change = await merge_entity(session, eid, fragment, ctx)
            result.success.append(eid)
            result.changes.append(change)
        except NgsiError as err:
            result.fail(eid, err)
    return result


async def batch_delete(session: AsyncSession, body: Any) -> BatchResult:
    """POST /entityOperations/delete (clause 5.6.10): a JSON array of entity ids."""
    items = _batch_list(body, objects=False)
    result = BatchResult()
    for eid in items:
        try:
            if not ent.is_uri(eid):
                raise bad_request(f"{eid!r} is not a URI")
            await delete_entity(session, eid)
            result.success.append(eid)
        except NgsiError as err:
            result.fail(eid, err)
    return result
