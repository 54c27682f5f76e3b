"""NGSI-LD API: discovery (routes on the shared router of ``common``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from tenohira.citydata import service
from tenohira.citydata.api.common import (
    _accept,
    _context,
    _get_context_source,
    _reading,
    _respond,
    _route,
    router,
)
from tenohira.citydata.errors import not_found
from tenohira.citydata.jsonld import (
    ActiveContext,
)


@_route("/types", ["GET"], summary="Available entity types")
async def list_types(request: Request) -> Response:
    """Retrieve Available Entity Types (clause 5.7.5), details=true for EntityType objects."""
    media = _accept(request)
    details = request.query_params.get("details", "false").lower() == "true"
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        found = await service.discovery(session)
    by_type: dict[str, set[str]] = {t: set() for t in found.type_counts}
    for t, attr in found.attr_types:
        by_type.setdefault(t, set()).add(attr)
    if details:
        data: Any = [
            {
                "id": t,
                "type": "EntityType",
                "typeName": ctx.compact(t),
                "attributeNames": sorted(ctx.compact(a) for a in attrs),
            }
            for t, attrs in sorted(by_type.items())
        ]
    else:
        data = {
            "id": "urn:ngsi-ld:EntityTypeList:" + _digest(sorted(by_type)),
            "type": "EntityTypeList",
            "typeList": sorted(ctx.compact(t) for t in by_type),
        }
    return _respond(data, ctx, media)


@router.get("/types/{type_name}", summary="Details of an entity type")
async def type_info(type_name: str, request: Request) -> Response:
    """Retrieve Entity Type Information (clause 5.7.7)."""
    media = _accept(request)
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        iri = ctx.expand(type_name)
        found = await service.discovery(session, entity_type=iri)
    count = found.type_counts.get(iri, 0)
    if not count:
        raise not_found(f"no entity of type {type_name}")
    attrs = {a: ts for (t, a), ts in found.attr_types.items() if t == iri}
    data = {
        "id": iri,
        "type": "EntityTypeInfo",
        "typeName": ctx.compact(iri),
        "entityCount": count,
        "attributeDetails": [
            {"id": a, "type": "Attribute", "attributeName": ctx.compact(a), "attributeTypes": sorted(ts)}
            for a, ts in sorted(attrs.items())
        ],
    }
    return _respond(data, ctx, media)


def _attribute_details(found: service.Discovery) -> dict[str, dict[str, Any]]:
    info: dict[str, dict[str, Any]] = {}
    for (t, a), ts in found.attr_types.items():
        d = info.setdefault(a, {"count": found.attr_counts.get(a, 0), "types": set(), "entity_types": set()})
        d["types"].update(ts)
        d["entity_types"].add(t)
    return info


@_route("/attributes", ["GET"], summary="Available attributes")
async def list_attributes(request: Request) -> Response:
    """Retrieve Available Attributes (clause 5.7.8), details=true for Attribute objects."""
    media = _accept(request)
    details = request.query_params.get("details", "false").lower() == "true"
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        info = _attribute_details(await service.discovery(session))
    if details:
        data: Any = [_attribute_info(a, d, ctx) for a, d in sorted(info.items())]
    else:
        data = {
            "id": "urn:ngsi-ld:AttributeList:" + _digest(sorted(info)),
            "type": "AttributeList",
            "attributeList": sorted(ctx.compact(a) for a in info),
        }
    return _respond(data, ctx, media)


def _attribute_info(iri: str, d: dict[str, Any], ctx: ActiveContext) -> dict[str, Any]:
    return {
        "id": iri,
        "type": "Attribute",
        "attributeName": ctx.compact(iri),
        "attributeCount": d["count"],
        "attributeTypes": sorted(d["types"]),
        "typeNames": sorted(ctx.compact(t) for t in d["entity_types"]),
    }


@router.get("/attributes/{attr}", summary="Details of an attribute")
async def attribute_info(attr: str, request: Request) -> Response:
    """Retrieve Available Attribute Information (clause 5.7.10)."""
    media = _accept(request)
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        iri = ctx.expand(attr)
        info = _attribute_details(await service.discovery(session, attribute=iri))
    if iri not in info or not info[iri]["count"]:
        raise not_found(f"no attribute {attr}")
    return _respond(_attribute_info(iri, info[iri], ctx), ctx, media)


def _digest(items: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]
