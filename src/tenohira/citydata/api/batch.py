"""NGSI-LD API: batch operations (routes on the shared router of ``common``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import fastjson, service
from tenohira.citydata import subscriptions as subs
from tenohira.citydata.api.common import (
    JSON,
    JSONLD,
    _accept,
    _context,
    _context_source,
    _lazy_reading,
    _notify,
    _options,
    _pagination,
    _read_json,
    _render_options,
    _respond,
    _route,
)
from tenohira.citydata.api.entities import (
    _page_links,
)
from tenohira.citydata.errors import bad_request
from tenohira.citydata.jsonld import (
    ActiveContext,
    parse_link_header,
)
from tenohira.citydata.query import parse_q
from tenohira.core.db import get_database


async def _batch_contexts(
    session: AsyncSession, request: Request, body: Any, media: str
) -> list[ActiveContext]:
    if not isinstance(body, list) or not body:
        raise bad_request("a batch operation needs a non-empty JSON array")
    if any(item is None for item in body):
        raise bad_request("a batch operation's array must not contain null")
    link = parse_link_header(request.headers.get("link"))
    if media == JSONLD and link is not None:
        raise bad_request("a Link header @context cannot be used with application/ld+json")
    out = []
    for item in body:
        if media == JSONLD:
            if not isinstance(item, dict) or "@context" not in item:
                raise bad_request("each entity of an application/ld+json batch must carry @context")
            out.append(await _context(session, item["@context"]))
        else:
            if isinstance(item, dict) and "@context" in item:
                raise bad_request("@context in the body requires Content-Type application/ld+json")
            out.append(await _context(session, link))
    return out


def _batch_response(result: service.BatchResult, *, ok_status: int, ok_body: Any = None) -> Response:
    if result.errors:
        body = {"success": result.success, "errors": result.errors}
        return Response(fastjson.dumps(body), status_code=207, media_type=JSON)
    if ok_body is None:
        return Response(status_code=ok_status)
    return Response(fastjson.dumps(ok_body), status_code=ok_status, media_type=JSON)


@_route("/entityOperations/create", ["POST"], summary="Batch create")
async def batch_create(request: Request) -> Response:
    """Batch Entity Creation (clause 5.6.7)."""
    body, media = await _read_json(request)
    async with get_database().session() as session:
        ctxs = await _batch_contexts(session, request, body, media)
        result = await service.batch_create(session, body, ctxs)
    _notify(result.changes)
    return _batch_response(result, ok_status=201, ok_body=result.success)


@_route("/entityOperations/upsert", ["POST"], summary="Batch upsert")
async def batch_upsert(request: Request) -> Response:
    """Batch Entity Upsert (clause 5.6.8), options=replace|update."""
    body, media = await _read_json(request)
    opts = _options(request)
    if {"update", "replace"} <= opts:
        raise bad_request("options update and replace exclude each other")
    async with get_database().session() as session:
        ctxs = await _batch_contexts(session, request, body, media)
        result = await service.batch_upsert(session, body, ctxs, replace="update" not in opts)
    _notify(result.changes)
    if not result.errors and result.created:
        return _batch_response(result, ok_status=201, ok_body=result.created)
    return _batch_response(result, ok_status=204)


@_route("/entityOperations/update", ["POST"], summary="Batch update")
async def batch_update(request: Request) -> Response:
    """Batch Entity Update (clause 5.6.9), options=noOverwrite."""
    body, media = await _read_json(request)
    no_overwrite = "noOverwrite" in _options(request)
    async with get_database().session() as session:
        ctxs = await _batch_contexts(session, request, body, media)
        result = await service.batch_update(session, body, ctxs, no_overwrite=no_overwrite)
    _notify(result.changes)
    return _batch_response(result, ok_status=204)


@_route("/entityOperations/merge", ["POST"], summary="Batch merge")
async def batch_merge(request: Request) -> Response:
    """Batch Entity Merge (clause 5.6.20)."""
    body, media = await _read_json(request)
    async with get_database().session() as session:
        ctxs = await _batch_contexts(session, request, body, media)
        result = await service.batch_merge(session, body, ctxs)
    _notify(result.changes)
    return _batch_response(result, ok_status=204)


@_route("/entityOperations/delete", ["POST"], summary="Batch delete")
async def batch_delete(request: Request) -> Response:
    """Batch Entity Delete (clause 5.6.10)."""
    body, _media = await _read_json(request)
    async with get_database().session() as session:
        result = await service.batch_delete(session, body)
    return _batch_response(result, ok_status=204)


@_route("/entityOperations/query", ["POST"], summary="Query entities (POST)")
async def batch_query(request: Request) -> Response:
    """Query Entities via POST (clause 5.7.2, a Query object)."""
    body, media = await _read_json(request)
    out_media = _accept(request)
    limit, offset, count = _pagination(request)
    if not isinstance(body, dict) or body.get("type") != "Query":
        raise bad_request("the body must be a Query object (type 'Query')")
    async with _lazy_reading() as session:
        ctx = await _context(session, _context_source(request, body, media))
        opts = _render_options(request, ctx)
        q = service.EntityQuery(limit=limit, offset=offset, count=count)
        selectors = body.get("entities")
        if selectors is not None:
            if not isinstance(selectors, list) or not all(
                isinstance(s, dict) and "type" in s for s in selectors
            ):
                raise bad_request("entities must be an array of selectors with a type")
            q.type_groups = [g for s in selectors for g in service.parse_type_selection(s["type"], ctx)]
            ids = [s["id"] for s in selectors if "id" in s]
            patterns = [s["idPattern"] for s in selectors if "idPattern" in s]
            if ids and len(ids) == len(selectors):
                q.ids = ids
            if patterns and len(patterns) == len(selectors):
                q.id_pattern = "|".join(f"(?:{p})" for p in patterns)
        if body.get("attrs") is not None:
            if not isinstance(body["attrs"], list):
                raise bad_request("attrs must be an array")
            q.attrs = frozenset(ctx.expand(a) for a in body["attrs"])
            opts.attrs = q.attrs
        if body.get("q") is not None:
            q.q = parse_q(body["q"])
        geo = body.get("geoQ")
        if geo is not None:
            if not isinstance(geo, dict):
                raise bad_request("geoQ must be an object")
            q.geo = subs.parse_geo(
                geo.get("georel"), geo.get("geometry"), geo.get("coordinates"), geo.get("geoproperty"), ctx
            )
        if not any((q.type_groups, q.attrs, q.q, q.geo)):
            raise bad_request("a query needs entities, attrs, q or geoQ")
        found, total, more = await service.query_entities(session, q, ctx)
    headers = {"NGSILD-Results-Count": str(total)} if total is not None else {}
    response = _respond([e.render(ctx, opts) for e in found], ctx, out_media, headers=headers)
    _page_links(response, request, limit, offset, more)
    return response
