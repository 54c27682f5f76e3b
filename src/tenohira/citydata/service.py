"""NGSI-LD operations on the platform database (no HTTP here, and no commit: the caller's unit of work).

Each write returns what changed so that the caller can send subscription notifications
after its transaction commits.
"""

from __future__ import annotations

import re
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata import fastjson, pgread
from tenohira.citydata.errors import NgsiError, already_exists, bad_request, not_found
from tenohira.citydata.geo import GeoQuery
from tenohira.citydata.jsonld import NGSI_LD, ActiveContext
from tenohira.citydata.models import Entity, HostedContext, Subscription
from tenohira.citydata.query import (
    SQLITE_Q_FUNCTION,
    JsonPathTranslator,
    Node,
    evaluate,
    sqlite_prefilter,
    sqlite_q_key,
    sqlite_q_match,
)

LOCATION_IRI = NGSI_LD + "location"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 20
NULL_IRI = "urn:ngsi-ld:null"
_KEEP: Any = object()  # "leave the scope as it is" in _save
_T = cast(sa.Table, Entity.__table__)


@dataclass
class Change:
    """An entity that was created or changed, and which attributes (expanded) changed."""

    entity_id: str
    attributes: set[str] = field(default_factory=set)
    created: bool = False


@dataclass
class UpdateResult:
    """NGSI-LD UpdateResult: attributes updated and not updated (with reasons)."""

    updated: list[str] = field(default_factory=list)
    not_updated: list[dict[str, str]] = field(default_factory=list)


def dialect_of(session: AsyncSession) -> str:
    """The SQL dialect of the session's database (postgresql or sqlite)."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


# The ``type`` column of an entity with several types: type filters read ``type IN (:t, MULTI)``,
# one index lookup on both databases, and check the ``types`` list only for those rows.
MULTI_TYPE = "@multiple"


def type_column(types: list[str]) -> str:
    """What the indexed ``type`` column holds for these (expanded) types."""
    return types[0] if len(types) == 1 else MULTI_TYPE


def _row_values(p: ent.ParsedEntity, now: datetime) -> dict[str, Any]:
    return {
        "id": p.id,
        "type": type_column(p.types),
        "multi_type": len(p.types) > 1,
        "types": p.types,
        "scope": p.scope,
        "data": p.attrs,
        "created_at": now,
        "modified_at": now,
        **_box_values(p.attrs),
    }


def _box_values(attrs: dict[str, Any]) -> dict[str, Any]:
    box = ent.bbox_of(attrs, LOCATION_IRI)
    return {
        "min_lon": box[0] if box else None,
        "min_lat": box[1] if box else None,
        "max_lon": box[2] if box else None,
        "max_lat": box[3] if box else None,
        "geo_extended": box is not None and (box[0] != box[2] or box[1] != box[3]),
    }


@dataclass
class StoredEntity:
    id: str
    types: list[str]
    data: dict[str, Any]
    created_at: datetime
    modified_at: datetime
    scope: list[str] | None

    def render(self, ctx: ActiveContext, opts: ent.RenderOptions) -> dict[str, Any]:
        return ent.render_entity(
            self.id,
            self.types,
            self.data,
            ctx,
            opts,
            created_at=self.created_at,
            modified_at=self.modified_at,
            scope=self.scope,
        )


_COLUMNS = (_T.c.id, _T.c.types, _T.c.data, _T.c.created_at, _T.c.modified_at, _T.c.scope)


def _stored(row: Any) -> StoredEntity:
    return StoredEntity(row.id, list(row.types), dict(row.data), row.created_at, row.modified_at, row.scope)


# The query path reads the JSON columns as text and parses them itself (orjson, see
# ``fastjson``): several times faster than the drivers' json.loads for pages of entities.
_TEXT_COLUMNS = (
    _T.c.id,
    sa.cast(_T.c.types, sa.Text).label("types"),
    sa.cast(_T.c.data, sa.Text).label("data"),
    _T.c.created_at,
    _T.c.modified_at,
    sa.cast(_T.c.scope, sa.Text).label("scope"),
)


_TEXT_SELECT = "id, CAST(types AS TEXT), CAST(data AS TEXT), created_at, modified_at, CAST(scope AS TEXT)"


def _stored_text(row: Any) -> StoredEntity:
    """An entity from a row of ``_TEXT_COLUMNS`` (a SQLAlchemy row or an asyncpg record)."""
    # types and scope are validated lists of strings: no long numbers in them.
    scope = row[5]
    return StoredEntity(
        row[0],
        orjson.loads(row[1]),
        fastjson.loads(row[2]),
        row[3],
        row[4],
        None if scope is None or scope == "null" else orjson.loads(scope),
    )


# ---------------------------------------------------------------- entities


async def create_entity(session: AsyncSession, body: Any, ctx: ActiveContext) -> Change:
    """Create one entity; 409 AlreadyExists when the id is taken."""
    now = ent.now_utc()
    parsed = ent.parse_entity(body, ctx, ent.iso(now))
    # One round trip: the primary key tells a duplicate; the failed transaction is rolled back
    # by the caller's unit of work when the error propagates.
    try:
        await session.execute(sa.insert(_T).values(**_row_values(parsed, now)))
    except IntegrityError as exc:
        raise already_exists(f"entity {parsed.id} already exists") from exc
    return Change(parsed.id, set(parsed.attrs), created=True)


async def load_entity(session: AsyncSession, entity_id: str, *, for_update: bool = False) -> StoredEntity:
    """The stored entity, or 404 ResourceNotFound."""
    if not ent.is_uri(entity_id):
        raise bad_request(f"the entity id {entity_id!r} is not a URI")
    stmt = sa.select(*_COLUMNS).where(_T.c.id == entity_id)
    if for_update and dialect_of(session) == "postgresql":
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    if row is None:
        raise not_found(f"entity {entity_id} not found")
    return _stored(row)


async def _save(
    session: AsyncSession, e: StoredEntity, *, types: list[str] | None = None, scope: Any = _KEEP
) -> None:
    now = ent.now_utc()
    values: dict[str, Any] = {"data": e.data, "modified_at": now, **_box_values(e.data)}
    if types is not None:
        values.update(type=type_column(types), types=types, multi_type=len(types) > 1)
    if scope is not _KEEP:
        values["scope"] = scope
    await session.execute(sa.update(_T).where(_T.c.id == e.id).values(**values))


def _new_scope(body: dict[str, Any]) -> Any:
    """The scope an update body sets (clause 4.18; urn:ngsi-ld:null removes it), or _KEEP."""
    if "scope" not in body:
        return _KEEP
    raw = body["scope"]
    if raw == NULL_IRI:
        return None
    scope = raw if isinstance(raw, list) else [raw]
    if not scope or not all(ent.is_scope(x) for x in scope):
        raise bad_request("scope must be a path like /Tenohira/Chuo or a list of them (clause 4.18)")
    return scope


def _merge_types(e: StoredEntity, body: dict[str, Any], ctx: ActiveContext) -> list[str] | None:
    """New types added by an update/append body ('type' adds types, never removes)."""
    if "type" not in body:
        return None
    added = ent.expand_types(body["type"], ctx)
    merged = e.types + [t for t in added if t not in e.types]
    return merged if merged != e.types else None


async def update_attributes(
    session: AsyncSession, entity_id: str, body: Any, ctx: ActiveContext
) -> tuple[UpdateResult, Change]:
    """PATCH /entities/{id}/attrs: overwrite existing attributes only; others are ignored (clause 5.6.2)."""
    if not isinstance(body, dict) or not [
        k for k in body if k not in ent.ENTITY_MEMBERS or k in ("type", "scope")
    ]:
        raise bad_request("the request body must be a JSON object with at least one attribute")
    e = await load_entity(session, entity_id, for_update=True)
    now = ent.iso(ent.now_utc())
    result, change = UpdateResult(), Change(entity_id)
    types = _merge_types(e, body, ctx)
    scope = _new_scope(body)
    for name, raw in body.items():
        if name in ent.ENTITY_MEMBERS:
            continue
        ent.check_name(name)
        iri = ctx.expand(name)
        if raw == NULL_IRI or (isinstance(raw, dict) and NULL_IRI in (raw.get("value"), raw.get("object"))):
            # The NGSI-LD null deletes the attribute (the instance of the datasetId given; clause 4.5.5).
            old = e.data.get(iri)
            if old is None:
                continue
            ds = raw.get("datasetId") if isinstance(raw, dict) else None
            kept = [i for i in ent.instances(old) if i.get("datasetId") != ds]
            if len(kept) == len(ent.instances(old)):
                continue
            if kept:
                e.data[iri] = kept[0] if len(kept) == 1 else kept
            else:
                e.data.pop(iri)
            result.updated.append(name)
            change.attributes.add(iri)
            continue
        new = ent.expand_attribute(name, raw, ctx, now)
        old = e.data.get(iri)
        # Attributes (or instances) the entity does not have are ignored, not reported: the
        # ETSI conformance tests of clause 5.6.2 expect 204 when unknown ones are present.
        if old is None:
            continue
        old_ds = {i.get("datasetId") for i in ent.instances(old)}
        if not all(i.get("datasetId") in old_ds for i in ent.instances(new)):
            continue
        e.data[iri], _ = ent.merge_instances(old, new)
        result.updated.append(name)
        change.attributes.add(iri)
    if result.updated or types or scope is not _KEEP:
        await _save(session, e, types=types, scope=scope)
    return result, change


async def append_attributes(
    session: AsyncSession, entity_id: str, body: Any, ctx: ActiveContext, *, no_overwrite: bool
) -> tuple[UpdateResult, Change]:
    """POST /entities/{id}/attrs: add attributes, overwriting unless noOverwrite (clause 5.6.3)."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    e = await load_entity(session, entity_id, for_update=True)
    now = ent.iso(ent.now_utc())
    result, change = UpdateResult(), Change(entity_id)
    types = _merge_types(e, body, ctx)
    for name, raw in body.items():
        if name in ent.ENTITY_MEMBERS:
            continue
        ent.check_name(name)
        iri = ctx.expand(name)
        new = ent.expand_attribute(name, raw, ctx, now)
        merged, changed = ent.merge_instances(e.data.get(iri), new, overwrite=not no_overwrite)
        if changed:
            e.data[iri] = merged
            result.updated.append(name)
            change.attributes.add(iri)
        else:
            result.not_updated.append({"attributeName": name, "reason": "the attribute exists (noOverwrite)"})
    if result.updated or types:
        await _save(session, e, types=types)
    return result, change


def _instance_index(insts: list[dict[str, Any]], dataset_id: str | None) -> int | None:
    return next((i for i, x in enumerate(insts) if x.get("datasetId") == dataset_id), None)


async def partial_attribute_update(
    session: AsyncSession, entity_id: str, attr: str, body: Any, ctx: ActiveContext
) -> Change:
    """PATCH /entities/{id}/attrs/{attrId}: change the given members of one attribute (clause 5.6.4)."""
    if not isinstance(body, dict) or not body:
        raise bad_request("the request body must be a non-empty JSON object")
    e = await load_entity(session, entity_id, for_update=True)
    iri = ctx.expand(attr)
    insts = ent.instances(e.data.get(iri))
    idx = _instance_index(insts, body.get("datasetId"))
    if idx is None:
        raise not_found(f"attribute {attr} not found in entity {entity_id}")
    current = insts[idx]
    now = ent.iso(ent.now_utc())
    merged = {k: v for k, v in current.items() if k not in ("createdAt", "modifiedAt")}
    patch = dict(body)
    if "type" in patch and patch["type"] != current.get("type"):
        # A partial update may change the type only together with its value member.
        merged = {k: v for k, v in merged.items() if k not in ent.VALUE_MEMBER.values()}
    for key, value in patch.items():
        if key in ent.VALUE_MEMBER.values() or key in ("type", "observedAt", "unitCode", "datasetId"):
            merged[key] = value
        else:
            merged[key] = value
    checked = ent.expand_attribute(attr, _compact_sub(merged, ctx), ctx, now)
    assert isinstance(checked, dict)
    checked["createdAt"] = current.get("createdAt", now)
    insts[idx] = checked
    e.data[iri] = insts[0] if len(insts) == 1 else insts
    await _save(session, e)
    return Change(entity_id, {iri})


def _compact_sub(a: dict[str, Any], ctx: ActiveContext) -> dict[str, Any]:
    """Stored sub-attribute keys back to names so that an instance can be re-validated."""
    return {
        (k if k in ent.VALUE_MEMBER.values() or not k.startswith(("http", "urn")) else ctx.compact(k)): v
        for k, v in a.items()
    }


async def replace_attribute(
    session: AsyncSession, entity_id: str, attr: str, body: Any, ctx: ActiveContext
) -> Change:
    """PUT /entities/{id}/attrs/{attrId}: replace one existing attribute (clause 5.6.19)."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    e = await load_entity(session, entity_id, for_update=True)
    iri = ctx.expand(attr)
    if iri not in e.data:
        raise not_found(f"attribute {attr} not found in entity {entity_id}")
    ent.check_name(attr)
    now = ent.iso(ent.now_utc())
    new = ent.expand_attribute(attr, body, ctx, now)
    e.data[iri], _ = ent.merge_instances(e.data[iri], new)
    await _save(session, e)
    return Change(entity_id, {iri})


async def delete_attribute(
    session: AsyncSession,
    entity_id: str,
    attr: str,
    ctx: ActiveContext,
    *,
    dataset_id: str | None = None,
    delete_all: bool = False,
) -> None:
    """DELETE /entities/{id}/attrs/{attrId} (clause 5.6.5)."""
    e = await load_entity(session, entity_id, for_update=True)
    iri = ctx.expand(attr)
    insts = ent.instances(e.data.get(iri))
    if not insts:
        raise not_found(f"attribute {attr} not found in entity {entity_id}")
    if delete_all:
        del e.data[iri]
    else:
        idx = _instance_index(insts, dataset_id)
        if idx is None:
            raise not_found(f"attribute {attr} has no instance with datasetId {dataset_id}")
        insts.pop(idx)
        if insts:
            e.data[iri] = insts[0] if len(insts) == 1 else insts
        else:
            del e.data[iri]
    await _save(session, e)


async def delete_entity(session: AsyncSession, entity_id: str) -> None:
    """DELETE /entities/{id} (clause 5.6.6)."""
    if not ent.is_uri(entity_id):
        raise bad_request(f"the entity id {entity_id!r} is not a URI")
    result = await session.execute(sa.delete(_T).where(_T.c.id == entity_id))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise not_found(f"entity {entity_id} not found")


async def replace_entity(session: AsyncSession, entity_id: str, body: Any, ctx: ActiveContext) -> Change:
    """PUT /entities/{id}: replace every attribute (clause 5.6.18)."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    if "id" in body and body["id"] != entity_id:
        raise bad_request("the id in the body differs from the id in the path")
    e = await load_entity(session, entity_id, for_update=True)
    now = ent.now_utc()
    full = {**body, "id": entity_id}
    full.setdefault("type", [ctx.compact(t) for t in e.types])
    parsed = ent.parse_entity(full, ctx, ent.iso(now))
    e.data = parsed.attrs
    await _save(session, e, types=parsed.types)
    return Change(entity_id, set(parsed.attrs))


async def merge_entity(session: AsyncSession, entity_id: str, body: Any, ctx: ActiveContext) -> Change:
    """PATCH /entities/{id} (merge-patch, clause 5.6.17): add or update, urn:ngsi-ld:null deletes."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    if "id" in body and body["id"] != entity_id:
        raise bad_request("the id in the body differs from the id in the path")
    e = await load_entity(session, entity_id, for_update=True)
    types = _merge_types(e, body, ctx)
    now = ent.iso(ent.now_utc())
    change = Change(entity_id)
    for name, raw in body.items():
        if name in ent.ENTITY_MEMBERS:
            continue
        ent.check_name(name)
        iri = ctx.expand(name)
        if raw == NULL_IRI or (isinstance(raw, dict) and raw.get("value") == NULL_IRI):
            e.data.pop(iri, None)
            change.attributes.add(iri)
            continue
        new = ent.expand_attribute(name, raw, ctx, now)
        e.data[iri], _ = ent.merge_instances(e.data.get(iri), new)
        change.attributes.add(iri)
    await _save(session, e, types=types)
    return change


# ---------------------------------------------------------------- batch operations


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


# ---------------------------------------------------------------- query


@dataclass
class EntityQuery:
    """A parsed GET /entities (or POST /entityOperations/query) request."""

    type_groups: list[list[str]] | None = None  # OR of ANDs, expanded
    ids: list[str] | None = None
    id_pattern: str | None = None
    q: Node | None = None
    geo: GeoQuery | None = None
    attrs: frozenset[str] | None = None  # expanded; entities must have one of them
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    count: bool = False
    scope_q: list[str] | None = None


_TYPE_TOKEN = re.compile(r"\s*([(),;|])\s*|([^(),;|]+)")


def parse_type_selection(text: str, ctx: ActiveContext) -> list[list[str]]:
    """Entity type selection (clause 4.17): ',' and '|' are OR, ';' is AND, parentheses group.

    Returned as a disjunction of conjunctions of expanded type IRIs.
    """
    tokens = [
        m.group(1) or m.group(2).strip()
        for m in _TYPE_TOKEN.finditer(text)
        if (m.group(1) or m.group(2).strip())
    ]
    pos = 0

    def or_expr() -> list[list[str]]:
        nonlocal pos
        groups = and_expr()
        while pos < len(tokens) and tokens[pos] in (",", "|"):
            pos += 1
            groups = groups + and_expr()
        return groups

    def and_expr() -> list[list[str]]:
        nonlocal pos
        groups = atom()
        while pos < len(tokens) and tokens[pos] == ";":
            pos += 1
            right = atom()
            groups = [a + b for a in groups for b in right]
        return groups

    def atom() -> list[list[str]]:
        nonlocal pos
        if pos >= len(tokens):
            raise bad_request("invalid type selection")
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            inner = or_expr()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise bad_request("unbalanced parentheses in type")
            pos += 1
            return inner
        if tok in "),;|":
            raise bad_request("invalid type selection")
        ent.check_name(tok)
        return [[ctx.expand(tok)]]

    groups = or_expr()
    if pos != len(tokens):
        raise bad_request("invalid type selection")
    return groups


class _Where:
    """Text fragments with their bind parameters, for both dialects."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"
        self.parts: list[str] = []
        self.params: dict[str, Any] = {}
        self.by_type = False

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def has_type(self, iri: str) -> str:
        p = self.bind("t", iri)
        if self.pg:
            return f"jsonb_exists(types, {p})"
        return f"EXISTS (SELECT 1 FROM json_each(types) WHERE json_each.value = {p})"  # noqa: S608

    def sql(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts) if self.parts else "TRUE"


def _has_attr_sql(w: _Where, iri: str) -> str:
    if w.pg:
        return f"jsonb_exists(data, {w.bind('a', iri)})"
    return f"json_type(data, {w.bind('a', '$.' + _json_key(iri))}) IS NOT NULL"


def _json_key(name: str) -> str:
    if '"' in name or "\\" in name:
        raise bad_request(f"unsupported character in name {name!r}")
    return f'"{name}"'


@dataclass
class QueryPlan:
    """The SQL side of an entity query: the filter, and what is left for Python to check."""

    python_q: Node | None
    dialect: str = "postgresql"
    by_type: bool = False
    where_sql: str = "TRUE"  # the filter as text with :name parameters
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> Any:
        """The filter as a SQLAlchemy clause (the engine path; the lean path uses the text)."""
        if self.where_sql == "TRUE":
            return sa.true()
        return sa.text(self.where_sql).bindparams(**self.params)

    @property
    def in_python(self) -> bool:
        return self.python_q is not None

    def paged_in_sql(self, query: EntityQuery) -> bool:
        return not (self.in_python or query.geo is not None or query.scope_q is not None)

    def driver_page(self, query: EntityQuery) -> tuple[str, list[Any]]:
        """``page_statement`` for asyncpg (PostgreSQL): ``$n`` placeholders and their values."""
        sql = f"SELECT {_TEXT_SELECT} FROM citydata_entities WHERE {self.where_sql} ORDER BY id"  # noqa: S608
        params = dict(self.params)
        if self.paged_in_sql(query):
            sql += " LIMIT :page_limit OFFSET :page_offset"
            params.update(page_limit=query.limit + 1, page_offset=query.offset)
        return pgread.numbered(sql, params)

    def driver_count(self) -> tuple[str, list[Any]]:
        return pgread.numbered(f"SELECT count(*) FROM citydata_entities WHERE {self.where_sql}", self.params)  # noqa: S608

    def page_statement(self, query: EntityQuery) -> Any:
        """The SELECT of one page (one row more than asked: it tells whether a next page exists)."""
        order: Any = _T.c.id
        if self.dialect == "sqlite" and self.by_type:
            # "+id" keeps SQLite from walking the primary key in id order through every other
            # type's rows; it then reads the type index and sorts the (few) matches.
            order = sa.text("+citydata_entities.id")
        stmt = sa.select(*_TEXT_COLUMNS).where(self.where).order_by(order)
        if not self.paged_in_sql(query):
            return stmt  # candidates; the exact filter and the paging happen in Python
        return stmt.limit(query.limit + 1).offset(query.offset)


def plan_query(query: EntityQuery, ctx: ActiveContext, dialect: str) -> QueryPlan:
    """Translate an entity query into SQL for ``dialect`` (the benchmark runs it raw too)."""
    w = _Where(dialect)
    if query.type_groups:
        alts = []
        for group in query.type_groups:
            multi = w.bind("t", MULTI_TYPE)
            if len(group) == 1:
                t = w.bind("t", group[0])
                alts.append(f"(type IN ({t}, {multi}) AND (type = {t} OR {w.has_type(group[0])}))")
            else:
                alts.append(f"(type = {multi} AND " + " AND ".join(w.has_type(t) for t in group) + ")")
        w.parts.append(" OR ".join(alts))
        w.by_type = True
    if query.ids is not None:
        w.parts.append("id IN (" + ", ".join(w.bind("i", i) for i in query.ids) + ")")
    if query.id_pattern is not None:
        try:
            re.compile(query.id_pattern)
        except re.error as exc:
            raise bad_request(f"invalid idPattern: {exc}") from exc
        op = "~" if w.pg else "REGEXP"
        w.parts.append(f"id {op} {w.bind('p', query.id_pattern)}")
    if query.attrs:
        w.parts.append(" OR ".join(_has_attr_sql(w, a) for a in sorted(query.attrs)))
    python_q: Node | None = None
    if query.q is not None and w.pg:
        path = JsonPathTranslator(ctx).translate(query.q)
        if path is None:
            python_q = query.q
        else:
            # One SQL/JSON path for the whole q: the GIN index answers its equality terms in one scan.
            w.parts.append(f"data @? CAST({w.bind('jp', path)} AS jsonpath)")
    elif query.q is not None:
        pre = sqlite_prefilter(query.q, ctx, lambda v: w.bind("n", v))
        if pre is not None:
            w.parts.append(pre)
        w.parts.append(f"{SQLITE_Q_FUNCTION}(data, {w.bind('qk', sqlite_q_key(query.q, ctx))})")
    if query.geo is not None and query.geo.geoproperty == LOCATION_IRI:
        box = query.geo.bbox()
        if box is not None:
            # Points (the common case) have min = max, so their corner must lie in the box: a
            # two-sided range the (min_lat, min_lon) index answers. Shapes with an extent are
            # few and found through the geo_extended index, then tested for overlap. On SQLite
            # "+" keeps the planner from factoring "min_lat <= y1" out of both branches into a
            # one-sided scan of half the index (it reads the type's rows instead: 3-4x faster).
            x0, y0, x1, y1 = (w.bind("g", float(v)) for v in box)
            plus = "" if w.pg else "+"
            w.parts.append(
                f"(min_lat >= {y0} AND min_lat <= {y1} AND min_lon >= {x0} AND min_lon <= {x1}) OR "
                f"(geo_extended = TRUE AND {plus}min_lon <= {x1} AND max_lon >= {x0} "
                f"AND {plus}min_lat <= {y1} AND max_lat >= {y0})"
            )
    return QueryPlan(python_q, dialect, w.by_type, w.sql(), dict(w.params))


_SQLITE_READY: weakref.WeakSet[Any] = weakref.WeakSet()


def _install_sqlite_q(sync_conn: Any) -> None:
    """Make ``ngsild_q`` known to this SQLite connection (once per connection)."""
    adapted = sync_conn.connection.dbapi_connection
    driver = adapted.driver_connection
    if driver in _SQLITE_READY:
        return
    adapted.create_function(SQLITE_Q_FUNCTION, 2, sqlite_q_match, deterministic=True)
    _SQLITE_READY.add(driver)


async def _pg_fetch(pool: Any, statement: tuple[str, list[Any]]) -> list[Any]:
    sql, args = statement
    return list(await pgread.retrying(pool, "fetch", sql, *args))


async def _pg_fetchval(pool: Any, statement: tuple[str, list[Any]]) -> Any:
    sql, args = statement
    return await pgread.retrying(pool, "fetchval", sql, *args)


async def query_entities(
    session: AsyncSession, query: EntityQuery, ctx: ActiveContext
) -> tuple[list[StoredEntity], int | None, bool]:
    """One page of matching entities in id order, the total when ``count``, and whether more follow."""
    plan = plan_query(query, ctx, dialect_of(session))
    pool = await pgread.pool_for(session.bind) if plan.dialect == "postgresql" else None
    if plan.dialect == "sqlite" and query.q is not None:
        await (await session.connection()).run_sync(_install_sqlite_q)
    if plan.paged_in_sql(query):
        rows: list[StoredEntity] = []
        total: int | None = None
        if pool is not None:
            if query.limit > 0:
                rows = [_stored_text(r) for r in await _pg_fetch(pool, plan.driver_page(query))]
            if query.count:
                total = int(await _pg_fetchval(pool, plan.driver_count()))
        else:
            if query.limit > 0:
                rows = [_stored_text(r) for r in await session.execute(plan.page_statement(query))]
            if query.count:
                count = sa.select(sa.func.count()).select_from(_T).where(plan.where)
                total = int((await session.execute(count)).scalar_one())
        more = len(rows) > query.limit or (total is not None and total > query.offset + query.limit)
        return rows[: query.limit], total, more
    python_q = plan.python_q
    candidates = (
        await _pg_fetch(pool, plan.driver_page(query))
        if pool is not None
        else await session.execute(plan.page_statement(query))
    )
    matched: list[StoredEntity] = []
    for r in candidates:
        e = _stored_text(r)
        if python_q is not None and not evaluate(python_q, e.data, ctx):
            continue
        if query.geo is not None and not _geo_match(query.geo, e):
            continue
        if query.scope_q is not None and not _scope_match(query.scope_q, e.scope):
            continue
        matched.append(e)
    page = matched[query.offset : query.offset + query.limit] if query.limit > 0 else []
    return page, (len(matched) if query.count else None), len(matched) > query.offset + query.limit


def _geo_match(geo: GeoQuery, e: StoredEntity) -> bool:
    return any(
        i.get("type") == "GeoProperty" and geo.matches(i.get("value"))
        for i in ent.instances(e.data.get(geo.geoproperty))
    )


def _scope_match(patterns: list[str], scope: list[str] | None) -> bool:
    for pattern in patterns:
        if pattern == "/#":
            if scope:
                return True
            continue
        for s in scope or []:
            if pattern.endswith("/#") and (s == pattern[:-2] or s.startswith(pattern[:-1])):
                return True
            if s == pattern:
                return True
    return False


async def entities_by_id(session: AsyncSession, ids: list[str]) -> list[StoredEntity]:
    """The stored entities with these ids (missing ones are left out)."""
    if not ids:
        return []
    rows = await session.execute(sa.select(*_COLUMNS).where(_T.c.id.in_(ids)))
    return [_stored(r) for r in rows]


@dataclass
class Discovery:
    """What ``/types`` and ``/attributes`` report, aggregated in the database (clauses 5.7.5–5.7.10)."""

    type_counts: dict[str, int]  # entity type IRI -> entities of that type
    attr_counts: dict[str, int]  # attribute IRI -> entities having it
    attr_types: dict[tuple[str, str], set[str]]  # (entity type, attribute) -> attribute types


# Every (entity type, attribute, attribute type) present: one row per combination, made by the
# database from the JSON documents (instances of a multi-attribute each count their type).
_DISCOVERY_SQL = {
    "postgresql": (
        "SELECT t.v, a.key, COALESCE(i.x ->> 'type', 'Property') FROM citydata_entities e "
        "CROSS JOIN LATERAL jsonb_array_elements_text(e.types) AS t(v) "
        "CROSS JOIN LATERAL jsonb_each(e.data) AS a(key, value) "
        "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.value) = 'array' "
        "THEN a.value ELSE jsonb_build_array(a.value) END) AS i(x) {where} GROUP BY 1, 2, 3",
        "SELECT t.v, count(*) FROM citydata_entities e "
        "CROSS JOIN LATERAL jsonb_array_elements_text(e.types) AS t(v) {where} GROUP BY 1",
        "SELECT a.key, count(*) FROM citydata_entities e "
        "CROSS JOIN LATERAL jsonb_object_keys(e.data) AS a(key) {where} GROUP BY 1",
        ("t.v", "a.key"),
    ),
    "sqlite": (
        "SELECT t.value, a.key, COALESCE(json_extract(i.value, '$.type'), 'Property') "
        "FROM citydata_entities e, json_each(e.types) t, json_each(e.data) a, "
        "json_each(CASE WHEN a.type = 'array' THEN a.value ELSE json_array(json(a.value)) END) i "
        "{where} GROUP BY 1, 2, 3",
        "SELECT t.value, count(*) FROM citydata_entities e, json_each(e.types) t {where} GROUP BY 1",
        "SELECT a.key, count(*) FROM citydata_entities e, json_each(e.data) a {where} GROUP BY 1",
        ("t.value", "a.key"),
    ),
}


async def discovery(
    session: AsyncSession, *, entity_type: str | None = None, attribute: str | None = None
) -> Discovery:
    """Types, attributes and their counts, optionally for one entity type or one attribute."""
    combos_sql, types_sql, attrs_sql, (type_col, attr_col) = _DISCOVERY_SQL[dialect_of(session)]
    conds, params = [], {}
    if entity_type is not None:
        conds.append(f"{type_col} = :etype")
        params["etype"] = entity_type
    if attribute is not None:
        conds.append(f"{attr_col} = :attr")
        params["attr"] = attribute

    def where(allowed: tuple[str, ...]) -> str:
        usable = [c for c in conds if c.split(" ")[0] in allowed]
        return ("WHERE " + " AND ".join(usable)) if usable else ""

    async def rows(sql: str, cols: tuple[str, ...]) -> list[Any]:
        text = sql.format(where=where(cols))
        used = {k: v for k, v in params.items() if f":{k}" in text}
        return list(await session.execute(sa.text(text).bindparams(**used)))

    attr_types: dict[tuple[str, str], set[str]] = {}
    for t, a, at in await rows(combos_sql, (type_col, attr_col)):
        attr_types.setdefault((t, a), set()).add(str(at))
    if attribute is not None:
        # entities having the attribute, by type; and the attribute's own count
        type_counts = {t: 0 for (t, _a) in attr_types}
    else:
        type_counts = {t: int(n) for t, n in await rows(types_sql, (type_col,))}
    attr_counts = {a: int(n) for a, n in await rows(attrs_sql, (attr_col,))}
    return Discovery(type_counts, attr_counts, attr_types)


# ---------------------------------------------------------------- subscriptions


_SUB = cast(sa.Table, Subscription.__table__)


async def create_subscription(session: AsyncSession, body: dict[str, Any], context: Any) -> str:
    """Store a validated subscription; 409 AlreadyExists when its id is taken."""
    sid = body["id"]
    if (await session.execute(sa.select(_SUB.c.id).where(_SUB.c.id == sid))).first() is not None:
        raise already_exists(f"subscription {sid} already exists")
    now = ent.now_utc()
    await session.execute(
        sa.insert(_SUB).values(id=sid, data=body, context=context, created_at=now, modified_at=now)
    )
    return str(sid)


async def load_subscription(
    session: AsyncSession, sid: str
) -> tuple[dict[str, Any], Any, datetime, datetime]:
    """A stored subscription (data, @context, created, modified), or 404."""
    row = (
        await session.execute(
            sa.select(_SUB.c.data, _SUB.c.context, _SUB.c.created_at, _SUB.c.modified_at).where(
                _SUB.c.id == sid
            )
        )
    ).first()
    if row is None:
        raise not_found(f"subscription {sid} not found")
    return dict(row.data), row.context, row.created_at, row.modified_at


async def save_subscription(session: AsyncSession, sid: str, data: dict[str, Any], context: Any) -> None:
    """Replace a stored subscription's data and @context."""
    await session.execute(
        sa.update(_SUB).where(_SUB.c.id == sid).values(data=data, context=context, modified_at=ent.now_utc())
    )


async def delete_subscription(session: AsyncSession, sid: str) -> None:
    """Delete a subscription, or 404."""
    result = await session.execute(sa.delete(_SUB).where(_SUB.c.id == sid))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise not_found(f"subscription {sid} not found")


async def list_subscriptions(
    session: AsyncSession, *, limit: int | None = None, offset: int = 0
) -> tuple[list[tuple[dict[str, Any], Any, datetime, datetime]], int]:
    """One page of subscriptions (oldest first) and their total."""
    stmt = sa.select(_SUB.c.data, _SUB.c.context, _SUB.c.created_at, _SUB.c.modified_at).order_by(
        _SUB.c.created_at, _SUB.c.id
    )
    rows = [(dict(r.data), r.context, r.created_at, r.modified_at) for r in await session.execute(stmt)]
    total = len(rows)
    end = None if limit is None else offset + limit
    return rows[offset:end], total


# ---------------------------------------------------------------- hosted @contexts


async def get_hosted_context(session: AsyncSession, cid: str) -> Any | None:
    """The body of a hosted @context, or None."""
    row = (await session.execute(sa.select(HostedContext.body).where(HostedContext.id == cid))).first()
    return None if row is None else row[0]


async def add_hosted_context(session: AsyncSession, body: Any) -> str:
    """Host a user @context (a JSON object with an @context member); returns its id."""
    if not isinstance(body, dict) or "@context" not in body:
        raise bad_request("a hosted @context must be a JSON object with an @context member")
    cid = str(uuid.uuid4())
    await session.execute(sa.insert(HostedContext).values(id=cid, body=body, created_at=ent.now_utc()))
    return cid


async def hosted_contexts(session: AsyncSession) -> dict[str, Any]:
    """Every hosted @context by id (a small table: user contexts, not data)."""
    return {r[0]: r[1] for r in await session.execute(sa.select(HostedContext.id, HostedContext.body))}


async def hosted_context_rows(session: AsyncSession) -> list[tuple[str, datetime]]:
    """(id, created_at) of every hosted @context, oldest first."""
    stmt = sa.select(HostedContext.id, HostedContext.created_at).order_by(HostedContext.created_at)
    return [(r[0], r[1]) for r in await session.execute(stmt)]


async def list_hosted_contexts(session: AsyncSession) -> list[str]:
    """Ids of the hosted @contexts, oldest first."""
    return [
        r[0] for r in await session.execute(sa.select(HostedContext.id).order_by(HostedContext.created_at))
    ]


async def delete_hosted_context(session: AsyncSession, cid: str) -> None:
    """Delete a hosted @context, or 404."""
    result = await session.execute(sa.delete(HostedContext).where(HostedContext.id == cid))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise not_found(f"@context {cid} not found")
