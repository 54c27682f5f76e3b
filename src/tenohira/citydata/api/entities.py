"""NGSI-LD API: entities (routes on the shared router of ``common``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response

from tenohira.citydata import entities as ent
from tenohira.citydata import fastjson, service
from tenohira.citydata import subscriptions as subs
from tenohira.citydata.api.common import (
    GEOJSON,
    JSON,
    JSONLD,
    MERGE_PATCH,
    _accept,
    _context,
    _context_source,
    _get_context_source,
    _lazy_reading,
    _list_param,
    _location,
    _notify,
    _options,
    _pagination,
    _read_json,
    _reading,
    _render_options,
    _respond,
    _route,
    router,
)
from tenohira.citydata.errors import bad_request, not_found
from tenohira.citydata.jsonld import (
    ActiveContext,
)
from tenohira.citydata.query import parse_q
from tenohira.core.db import get_database


@_route("/entities", ["POST"], status_code=201, summary="Create entity")
async def create_entity(request: Request) -> Response:
    """Create Entity (clause 5.6.1): 201 with Location."""
    body, media = await _read_json(request)
    if not isinstance(body, dict):
        raise bad_request("an entity must be a JSON object")
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, media))
        change = await service.create_entity(session, body, ctx)
    _notify([change])
    return Response(status_code=201, headers=_location("entities", change.entity_id))


@_route("/entities", ["GET"], summary="Query entities")
async def query_entities(request: Request) -> Response:
    """Query Entities (clause 5.7.2): one page, NGSILD-Results-Count with count=true."""
    media = _accept(request, geo=True)
    limit, offset, count = _pagination(request)
    p = request.query_params
    async with _lazy_reading() as session:
        ctx = await _context(session, _get_context_source(request))
        opts = _render_options(request, ctx)
        q = service.EntityQuery(limit=limit, offset=offset, count=count)
        if p.get("type") is not None:
            q.type_groups = service.parse_type_selection(p["type"], ctx)
        ids = _list_param(request, "id")
        if ids is not None:
            if not all(ent.is_uri(i) for i in ids):
                raise bad_request("id must list URIs")
            q.ids = ids
        q.id_pattern = p.get("idPattern")
        if p.get("q") is not None:
            q.q = parse_q(p["q"])
        if any(p.get(k) is not None for k in ("georel", "geometry", "coordinates")):
            q.geo = subs.parse_geo(
                p.get("georel"), p.get("geometry"), p.get("coordinates"), p.get("geoproperty"), ctx
            )
        if p.get("scopeQ") is not None:
            q.scope_q = [s.strip() for s in p["scopeQ"].replace(";", ",").split(",") if s.strip()]
        attrs = _list_param(request, "attrs")
        if attrs is not None:
            q.attrs = frozenset(ctx.expand(a) for a in attrs)
        if not any(
            (q.type_groups, q.ids, q.id_pattern, q.q, q.geo, q.attrs, q.scope_q, p.get("local") == "true")
        ):
            raise bad_request("a query needs at least one of type, id, idPattern, attrs, q or a geo-query")
        found, total, more = await service.query_entities(session, q, ctx)
    headers = {"NGSILD-Results-Count": str(total)} if total is not None else {}
    data = [e.render(ctx, opts) for e in found]
    if media == GEOJSON:
        response = _geojson(data, found, ctx, request, headers)
    else:
        response = _respond(data, ctx, media, headers=headers)
    _page_links(response, request, limit, offset, more)
    return response


def _page_links(response: Response, request: Request, limit: int, offset: int, more: bool) -> None:
    """Link headers rel="prev"/"next" for pagination (clauses 4.12, 5.5.9).

    Parameters are listed in name order and left readable (only characters that would break
    the query string are escaped), as the ETSI conformance tests compare these links verbatim.
    """

    path = request.url.path.rstrip("/")

    def url(new_offset: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
        params.append(("offset", str(new_offset)))
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe=SAFE_IN_LINKS)}" for k, v in sorted(params))
        return f"{path}?{query}"

    if offset > 0 and limit > 0:
        response.headers.append(
            "Link", f'<{url(max(0, offset - limit))}>; rel="prev";type="application/json"'
        )
    if more and limit > 0:
        response.headers.append("Link", f'<{url(offset + limit)}>; rel="next";type="application/json"')


SAFE_IN_LINKS = ":/*,;()[]!~|<>=\".@$'^"


def _geojson(
    data: list[dict[str, Any]],
    found: list[service.StoredEntity],
    ctx: ActiveContext,
    request: Request,
    headers: dict[str, str],
) -> Response:
    geom_name = request.query_params.get("geometryProperty", "location")
    geom_iri = ctx.expand(geom_name)
    features = []
    for d, e in zip(data, found, strict=True):
        geometry = None
        for inst in ent.instances(e.data.get(geom_iri)):
            if inst.get("type") == "GeoProperty":
                geometry = inst.get("value")
                break
        props = {k: v for k, v in d.items() if k != "id"}
        features.append({"id": e.id, "type": "Feature", "geometry": geometry, "properties": props})
    body = {"type": "FeatureCollection", "features": features, "@context": ctx.response_context()}
    return Response(fastjson.dumps(body), media_type=GEOJSON, headers=headers)


@router.get("/entities/{entity_id}", summary="Retrieve entity")
async def retrieve_entity(entity_id: str, request: Request) -> Response:
    """Retrieve Entity (clause 5.7.1)."""
    media = _accept(request, geo=True)
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        opts = _render_options(request, ctx)
        e = await service.load_entity(session, entity_id)
    wanted_type = request.query_params.get("type")
    if wanted_type is not None:
        groups = service.parse_type_selection(wanted_type, ctx)
        if not any(all(t in e.types for t in g) for g in groups):
            raise not_found(f"entity {entity_id} of that type not found")
    data = e.render(ctx, opts)
    if media == GEOJSON:
        feats = json.loads(bytes(_geojson([data], [e], ctx, request, {}).body))
        feature = {**feats["features"][0], "@context": ctx.response_context()}
        return Response(json.dumps(feature, ensure_ascii=False), media_type=GEOJSON)
    return _respond(data, ctx, media)


@router.delete("/entities/{entity_id}", status_code=204, summary="Delete entity")
async def delete_entity(entity_id: str) -> Response:
    """Delete Entity (clause 5.6.6)."""
    async with get_database().session() as session:
        await service.delete_entity(session, entity_id)
    return Response(status_code=204)


@router.put("/entities/{entity_id}", status_code=204, summary="Replace entity")
async def replace_entity(entity_id: str, request: Request) -> Response:
    """Replace Entity (clause 5.6.18)."""
    body, media = await _read_json(request)
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, media))
        change = await service.replace_entity(session, entity_id, body, ctx)
    _notify([change])
    return Response(status_code=204)


@router.patch("/entities/{entity_id}", status_code=204, summary="Merge entity")
async def merge_entity(entity_id: str, request: Request) -> Response:
    """Merge Entity (clause 5.6.17)."""
    body, media = await _read_json(request, allow=(JSON, JSONLD, MERGE_PATCH))
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, JSON if media == MERGE_PATCH else media))
        change = await service.merge_entity(session, entity_id, body, ctx)
    _notify([change])
    return Response(status_code=204)


def _update_response(result: service.UpdateResult) -> Response:
    if not result.not_updated:
        return Response(status_code=204)
    body = {"updated": result.updated, "notUpdated": result.not_updated}
    return Response(fastjson.dumps(body), status_code=207, media_type=JSON)


@_route("/entities/{entity_id}/attrs", ["PATCH"], status_code=204, summary="Update attributes")
async def update_attributes(entity_id: str, request: Request) -> Response:
    """Update Entity Attributes (clause 5.6.2)."""
    body, media = await _read_json(request)
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, media))
        result, change = await service.update_attributes(session, entity_id, body, ctx)
    _notify([change])
    return _update_response(result)


@_route("/entities/{entity_id}/attrs", ["POST"], status_code=204, summary="Append attributes")
async def append_attributes(entity_id: str, request: Request) -> Response:
    """Append Entity Attributes (clause 5.6.3), options=noOverwrite."""
    body, media = await _read_json(request)
    no_overwrite = "noOverwrite" in _options(request)
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, media))
        result, change = await service.append_attributes(
            session, entity_id, body, ctx, no_overwrite=no_overwrite
        )
    _notify([change])
    return _update_response(result)


@router.patch("/entities/{entity_id}/attrs/{attr}", status_code=204, summary="Partial attribute update")
async def partial_update(entity_id: str, attr: str, request: Request) -> Response:
    """Partial Attribute Update (clause 5.6.4)."""
    body, media = await _read_json(request)
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, media))
        change = await service.partial_attribute_update(session, entity_id, attr, body, ctx)
    _notify([change])
    return Response(status_code=204)


@router.put("/entities/{entity_id}/attrs/{attr}", status_code=204, summary="Replace attribute")
async def replace_attribute(entity_id: str, attr: str, request: Request) -> Response:
    """Replace Attribute (clause 5.6.19)."""
    body, media = await _read_json(request)
    async with get_database().session() as session:
        ctx = await _context(session, _context_source(request, body, media))
        change = await service.replace_attribute(session, entity_id, attr, body, ctx)
    _notify([change])
    return Response(status_code=204)


@router.delete("/entities/{entity_id}/attrs/{attr}", status_code=204, summary="Delete attribute")
async def delete_attribute(entity_id: str, attr: str, request: Request) -> Response:
    """Delete Entity Attribute (clause 5.6.5), datasetId and deleteAll."""
    p = request.query_params
    async with get_database().session() as session:
        ctx = await _context(session, _get_context_source(request))
        await service.delete_attribute(
            session,
            entity_id,
            attr,
            ctx,
            dataset_id=p.get("datasetId"),
            delete_all=p.get("deleteAll", "false").lower() == "true",
        )
    return Response(status_code=204)
