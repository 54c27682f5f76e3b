"""Entities: create, read, replace, update, merge and delete one entity and its attributes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata.errors import already_exists, bad_request, not_found
from tenohira.citydata.jsonld import ActiveContext
from tenohira.citydata.service.common import (
    _COLUMNS,
    _KEEP,
    _T,
    NULL_IRI,
    Change,
    StoredEntity,
    UpdateResult,
    _box_values,
    _row_values,
    _stored,
    dialect_of,
    type_column,
)


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
