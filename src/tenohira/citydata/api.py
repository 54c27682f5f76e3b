"""HTTP API of citydata: NGSI-LD (ETSI GS CIM 009 V1.9.1) under /ngsi-ld/v1/.

The router parses requests itself (media types, Link header, options) rather than
through pydantic models, because NGSI-LD prescribes its own error types for every
malformed input; errors are rendered as NGSI-LD ProblemDetails by ``NgsiRoute``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata import fastjson, service
from tenohira.citydata import subscriptions as subs
from tenohira.citydata.errors import NgsiError, bad_request, invalid_request, not_found
from tenohira.citydata.jsonld import (
    HOSTED_PATH,
    ActiveContext,
    build_context,
    core_document,
    core_version_of,
    forget_cached_contexts,
    hosted_id,
    link_header,
    parse_link_header,
    remote_urls,
)
from tenohira.citydata.query import parse_q
from tenohira.citydata.remote import fetcher_for
from tenohira.core.config import get_settings
from tenohira.core.db import get_database

REMOTE_DEPTH = 4  # a remote context may name others (Smart Data Models do), this many levels deep

PREFIX = "/ngsi-ld/v1"
JSON = "application/json"
JSONLD = "application/ld+json"
GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"


class NgsiRoute(APIRoute):
    """Renders NgsiError as NGSI-LD ProblemDetails (application/json, clause 6.3.7)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                _check_tenant(request)
                return await original(request)
            except NgsiError as err:
                return Response(fastjson.dumps(err.body()), status_code=err.status, media_type=JSON)

        return handler


def _check_tenant(request: Request) -> None:
    """NGSILD-Tenant (clause 6.3.14): this broker has the default tenant only.

    No header (or an empty one) addresses the default tenant. Any other tenant does not
    exist here and is never created implicitly, so every operation on it is 404
    NonexistentTenant rather than silently acting on the default tenant's data.
    """
    tenant = request.headers.get("ngsild-tenant")
    if tenant is not None and tenant.strip():
        raise NgsiError(
            "NonexistentTenant",
            f"tenant {tenant.strip()!r} does not exist: this broker serves only the default tenant "
            "(send no NGSILD-Tenant header)",
        )


router = APIRouter(prefix=PREFIX, tags=["ngsi-ld"], route_class=NgsiRoute)


def _route(path: str, methods: list[str], **kw: Any) -> Callable[[Any], Any]:
    """Register ``path`` and its trailing-slash twin (NGSI-LD clients use both)."""

    def deco(fn: Any) -> Any:
        router.add_api_route(path, fn, methods=methods, **kw)
        if not path.endswith("/"):
            router.add_api_route(path + "/", fn, methods=methods, include_in_schema=False, **kw)
        return fn

    return deco


@asynccontextmanager
async def _reading() -> AsyncIterator[AsyncSession]:
    """A session for reads only: autocommit, so no BEGIN/COMMIT round trips per request."""
    async with get_database().engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        async with AsyncSession(bind=auto) as session:
            yield session


@asynccontextmanager
async def _lazy_reading() -> AsyncIterator[AsyncSession]:
    """A read session that connects only when used: on PostgreSQL the query path reads
    through its own pool (``pgread``) and most queries never touch the session."""
    async with AsyncSession(bind=get_database().engine) as session:
        yield session


# ---------------------------------------------------------------- request helpers


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_json(request: Request, *, allow: tuple[str, ...] = (JSON, JSONLD)) -> tuple[Any, str]:
    media = _media_type(request)
    if media not in allow:
        raise NgsiError("UnsupportedMediaType", f"Content-Type must be one of {', '.join(allow)}")
    raw = await request.body()
    if not raw:
        raise invalid_request("the request body is empty")
    try:
        return json.loads(raw), media
    except ValueError as exc:
        raise invalid_request(f"the request body is not valid JSON: {exc}") from exc


def _context_source(request: Request, body: Any, media: str) -> Any:
    """Where the @context comes from: the body (JSON-LD) or the Link header (JSON), clause 6.3.5."""
    link = parse_link_header(request.headers.get("link"))
    if media == JSONLD:
        if link is not None:
            raise bad_request("a Link header @context cannot be used with application/ld+json")
        if not isinstance(body, dict) or "@context" not in body:
            raise bad_request("an application/ld+json body must carry @context")
        return body["@context"]
    if isinstance(body, dict) and "@context" in body:
        raise bad_request("@context in the body requires Content-Type application/ld+json")
    return link


def _hosted_ids(source: Any) -> set[str]:
    if isinstance(source, str):
        hid = hosted_id(source)
        return {hid} if hid else set()
    if isinstance(source, list):
        out: set[str] = set()
        for s in source:
            out |= _hosted_ids(s)
        return out
    return set()


_hosted_cache: dict[str, Any] = {}


async def _context(session: AsyncSession, source: Any) -> ActiveContext:
    """The active context of a request: contexts hosted here are read from the database, remote
    ones fetched (guarded, cached: :mod:`tenohira.citydata.remote`), nested ones up to a depth."""
    wanted = _hosted_ids(source)
    docs: dict[str, Any] = {}
    for hid in wanted:
        doc = _hosted_cache.get(hid)
        if doc is None:
            doc = await service.get_hosted_context(session, hid)
            if doc is not None:
                _hosted_cache[hid] = doc
        if doc is not None:
            docs[hid] = doc
    pending = [u for u in remote_urls(source) if hosted_id(u) not in docs]
    if pending:
        fetcher = fetcher_for(get_settings())
        for _ in range(REMOTE_DEPTH):
            nested: list[str] = []
            for url in dict.fromkeys(pending):
                if url in docs:
                    continue
                doc = await fetcher.get(session, url)
                docs[url] = doc
                nested += remote_urls(doc.get("@context"))
            pending = [u for u in nested if u not in docs and hosted_id(u) not in docs]
            if not pending:
                break
        else:
            raise bad_request(f"remote @context documents nest deeper than {REMOTE_DEPTH} levels")
    return build_context(source, hosted=docs.get)


def _get_context_source(request: Request) -> Any:
    return parse_link_header(request.headers.get("link"))


def _accept(request: Request, *, geo: bool = False) -> str:
    """Content negotiation (clause 6.3.4, RFC 9110 12.5.1); 406 when nothing fits.

    No Accept header means JSON. Each media type takes the weight of the most specific range
    that names it, so ``application/json;q=0, */*`` refuses JSON and serves JSON-LD; a bare
    wildcard serves JSON-LD (the representation that carries its own @context).
    """
    header = request.headers.get("accept")
    if not header or not header.strip():
        return JSON
    ranges: list[tuple[str, float]] = []
    for part in header.split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.lower().startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        ranges.append((bits[0].lower(), q))
    candidates = [JSONLD, JSON] + ([GEOJSON] if geo else [])
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for preference, media in enumerate(reversed(candidates)):
        matches = [
            (2 if r == media else 1 if r == "application/*" else 0, q)
            for r, q in ranges
            if r in (media, "application/*", "*/*")
        ]
        if not matches:
            continue
        specificity, q = max(matches)
        score = (q, specificity, preference)
        if q > 0 and (best is None or score > best):
            best, chosen = score, media
    if chosen is None:
        raise NgsiError("NotAcceptable", "the Accept header names no media type this operation can produce")
    return chosen


def _respond(
    data: Any,
    ctx: ActiveContext,
    media: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    hdrs = dict(headers or {})
    if media == JSONLD:
        if isinstance(data, list):
            data = [{**d, "@context": ctx.response_context()} if isinstance(d, dict) else d for d in data]
        elif isinstance(data, dict):
            data = {**data, "@context": ctx.response_context()}
    else:
        hdrs["Link"] = link_header(ctx.link_url())
    return Response(fastjson.dumps(data), status_code=status, media_type=media, headers=hdrs)


def _options(request: Request) -> set[str]:
    out: set[str] = set()
    for value in request.query_params.getlist("options"):
        out |= {o.strip() for o in value.split(",") if o.strip()}
    known = {
        "keyValues",
        "simplified",  # the V1.8+ name of keyValues
        "concise",
        "normalized",
        "sysAttrs",
        "noOverwrite",
        "replace",
        "update",
        "count",
    }
    unknown = out - known
    if unknown:
        raise bad_request(f"unknown options: {', '.join(sorted(unknown))}")
    return out


def _list_param(request: Request, name: str) -> list[str] | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise bad_request(f"{name} is empty")
    return items


def _render_options(request: Request, ctx: ActiveContext) -> ent.RenderOptions:
    opts = _options(request)
    fmt = "normalized"
    if "keyValues" in opts or "simplified" in opts:
        fmt = "keyValues"
    elif "concise" in opts:
        fmt = "concise"
    explicit = request.query_params.get("format")
    if explicit is not None:
        if explicit not in ("normalized", "keyValues", "concise", "simplified"):
            raise bad_request("format must be normalized, concise or keyValues")
        fmt = "keyValues" if explicit == "simplified" else explicit
    attrs = _list_param(request, "attrs")
    pick = _list_param(request, "pick")
    omit = _list_param(request, "omit")
    if pick is not None and omit is not None:
        raise bad_request("pick and omit cannot be used together")
    names: set[str] | None = None
    if attrs is not None:
        names = {ctx.expand(a) for a in attrs}
    omitted: set[str] = set()
    if pick is not None:
        picked = {p if p in ("id", "type") else ctx.expand(p) for p in pick}
        names = (names & picked) if names is not None else picked
        omitted |= {k for k in ("id", "type") if k not in picked}
    if omit is not None:
        omitted |= {o if o in ("id", "type") else ctx.expand(o) for o in omit}
    return ent.RenderOptions(
        fmt=fmt,
        sys_attrs="sysAttrs" in opts,
        attrs=frozenset(names) if names is not None else None,
        omit=frozenset(omitted),
        lang=request.query_params.get("lang"),
    )


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        n = int(value)
    except ValueError as exc:
        raise bad_request(f"{name} must be an integer") from exc
    if n < 0:
        raise bad_request(f"{name} must not be negative")
    return n


def _pagination(request: Request) -> tuple[int, int, bool]:
    count = request.query_params.get("count", "false").lower() == "true" or "count" in _options(request)
    limit = _int_param(request, "limit", service.DEFAULT_LIMIT)
    offset = _int_param(request, "offset", 0)
    if limit > service.MAX_LIMIT:
        raise NgsiError("TooManyResults", f"limit may be at most {service.MAX_LIMIT}")
    if limit == 0 and not count:
        raise bad_request("limit=0 is only allowed together with count=true")
    return limit, offset, count


def _location(kind: str, ident: str) -> dict[str, str]:
    return {"Location": f"{PREFIX}/{kind}/{quote(ident, safe=':/#')}"}


def _notify(changes: list[service.Change]) -> None:
    subs.notifier_for(get_database()).schedule(changes)


# ---------------------------------------------------------------- missing ids


async def _missing_id(request: Request) -> Response:
    """A path whose entity or subscription id is empty (``/entities//attrs``): 400, not 404."""
    raise bad_request(f"the path {request.url.path} lacks an id")


for _path, _methods in (
    ("/entities//attrs", ["PATCH", "POST"]),
    ("/entities//attrs/", ["PATCH", "POST"]),
    ("/entities//attrs/{attr}", ["PATCH", "PUT", "DELETE"]),
    ("/entities/{entity_id}/attrs//", ["PATCH", "PUT", "DELETE"]),
    ("/entities/", ["PUT", "PATCH", "DELETE"]),
    ("/subscriptions/", ["PATCH", "DELETE"]),
):
    router.add_api_route(_path, _missing_id, methods=_methods, include_in_schema=False)


# ---------------------------------------------------------------- entities


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
    from urllib.parse import quote

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


# ---------------------------------------------------------------- batch operations


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


# ---------------------------------------------------------------- subscriptions


@_route("/subscriptions", ["POST"], status_code=201, summary="Create subscription")
async def create_subscription(request: Request) -> Response:
    """Create Subscription (clause 5.8.1)."""
    body, media = await _read_json(request)
    db = get_database()
    async with db.session() as session:
        source = _context_source(request, body, media)
        ctx = await _context(session, source)
        sub = subs.validate(body, ctx)
        if sub.get("jsonldContext"):
            await _context(session, sub["jsonldContext"])  # 503 LdContextNotAvailable when unresolvable
        sid = await service.create_subscription(session, sub, source)
    subs.notifier_for(db).invalidate()
    return Response(status_code=201, headers=_location("subscriptions", sid))


@_route("/subscriptions", ["GET"], summary="Query subscriptions")
async def list_subscriptions(request: Request) -> Response:
    """Query Subscriptions (clause 5.8.4)."""
    media = _accept(request)
    limit, offset, count = _pagination(request)
    sys_attrs = "sysAttrs" in _options(request)
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        rows, total = await service.list_subscriptions(session, limit=limit, offset=offset)
    data = [subs.render(d, c, m, sys_attrs=sys_attrs) for d, _ctx, c, m in rows]
    headers = {"NGSILD-Results-Count": str(total)} if count else {}
    response = _respond(data, ctx, media, headers=headers)
    _page_links(response, request, limit, offset, total > offset + limit)
    return response


@router.get("/subscriptions/{sid}", summary="Retrieve subscription")
async def retrieve_subscription(sid: str, request: Request) -> Response:
    """Retrieve Subscription (clause 5.8.3)."""
    media = _accept(request)
    sys_attrs = "sysAttrs" in _options(request)
    async with _reading() as session:
        ctx = await _context(session, _get_context_source(request))
        data, _source, created, modified = await service.load_subscription(session, sid)
    return _respond(subs.render(data, created, modified, sys_attrs=sys_attrs), ctx, media)


@router.patch("/subscriptions/{sid}", status_code=204, summary="Update subscription")
async def update_subscription(sid: str, request: Request) -> Response:
    """Update Subscription (clause 5.8.2)."""
    body, media = await _read_json(request)
    db = get_database()
    async with db.session() as session:
        data, source, _c, _m = await service.load_subscription(session, sid)
        new_source = _context_source(request, body, media)
        ctx = await _context(session, new_source if new_source is not None else source)
        patch = subs.validate(body, ctx, partial=True)
        if patch.get("jsonldContext"):
            await _context(session, patch["jsonldContext"])
        if not patch:
            raise bad_request("nothing to update")
        merged = {**data, **patch}
        if "notification" in patch and isinstance(data.get("notification"), dict):
            merged["notification"] = {**data["notification"], **patch["notification"]}
        subs.validate({**merged, "type": "Subscription"}, ctx)
        await service.save_subscription(
            session, sid, merged, new_source if new_source is not None else source
        )
    subs.notifier_for(db).invalidate()
    return Response(status_code=204)


@router.delete("/subscriptions/{sid}", status_code=204, summary="Delete subscription")
async def delete_subscription(sid: str) -> Response:
    """Delete Subscription (clause 5.8.5)."""
    db = get_database()
    async with db.session() as session:
        await service.delete_subscription(session, sid)
    subs.notifier_for(db).invalidate()
    return Response(status_code=204)


# ---------------------------------------------------------------- discovery


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


# ---------------------------------------------------------------- hosted @contexts


@_route("/jsonldContexts", ["POST"], status_code=201, summary="Host a user @context")
async def add_context(request: Request) -> Response:
    """Add @context (clause 5.13.2): host a user @context, 201 with Location."""
    body, _media = await _read_json(request)
    async with get_database().session() as session:
        cid = await service.add_hosted_context(session, body)
        # Check it now, so that a broken context fails here rather than at first use.
        build_context(body["@context"], hosted=lambda _i: None)
    return Response(status_code=201, headers=_location("jsonldContexts", cid))


def _context_details(url: str, local_id: str, kind: str, created: datetime | None) -> dict[str, Any]:
    """The @context details object of clause 5.13.3 (URL, localId, kind, createdAt)."""
    out: dict[str, Any] = {"URL": url, "localId": local_id, "kind": kind}
    if created is not None:
        out["createdAt"] = ent.iso(created)
    return out


_CORE_FILES = ("ngsi-ld-core-context-v1.9.jsonld", "ngsi-ld-core-context-v1.8.jsonld")


@_route("/jsonldContexts", ["GET"], summary="Hosted @contexts")
async def list_contexts(request: Request) -> Response:
    """URLs of the @contexts this broker holds (clause 5.13.3); ``details=true`` for objects.

    ``kind=Hosted`` lists those added through POST, ``kind=Cached`` the packaged core contexts
    (this broker fetches nothing, so nothing else is ever cached).
    """
    base = str(request.base_url).rstrip("/")
    details = request.query_params.get("details", "false").lower() == "true"
    kind = request.query_params.get("kind")
    if kind is not None and kind not in ("Hosted", "Cached", "ImplicitlyCreated"):
        raise bad_request("kind must be Hosted, Cached or ImplicitlyCreated")
    async with _reading() as session:
        rows = await service.hosted_context_rows(session)
    entries: list[dict[str, Any]] = []
    if kind in (None, "Hosted"):
        entries += [_context_details(f"{base}{HOSTED_PATH}{i}", i, "Hosted", c) for i, c in rows]
    if kind in (None, "Cached"):
        entries += [
            _context_details(f"https://uri.etsi.org/ngsi-ld/v1/{name}", name, "Cached", None)
            for name in _CORE_FILES
        ]
    data: list[Any] = entries if details else [e["URL"] for e in entries]
    return Response(json.dumps(data, ensure_ascii=False), media_type=JSON)


@router.get("/jsonldContexts/{cid}", summary="A hosted @context")
async def get_context(cid: str, request: Request) -> Response:
    """Serve @context (clause 5.13.4); details=true for its details."""
    details = request.query_params.get("details", "false").lower() == "true"
    version = core_version_of(f"https://uri.etsi.org/ngsi-ld/v1/{cid}")
    if version is not None:
        if details:
            info = _context_details(f"https://uri.etsi.org/ngsi-ld/v1/{cid}", cid, "Cached", None)
            return Response(json.dumps(info), media_type=JSON)
        return Response(json.dumps(core_document(version)), media_type=JSONLD)
    async with _reading() as session:
        doc = await service.get_hosted_context(session, cid)
        created = dict(await service.hosted_context_rows(session)).get(cid) if details else None
    if doc is None:
        raise not_found(f"@context {cid} not found")
    if details:
        base = str(request.base_url).rstrip("/")
        info = _context_details(f"{base}{HOSTED_PATH}{cid}", cid, "Hosted", created)
        return Response(json.dumps(info), media_type=JSON)
    return Response(json.dumps(doc, ensure_ascii=False), media_type=JSONLD)


@router.delete("/jsonldContexts/{cid}", status_code=204, summary="Delete a hosted @context")
async def delete_context(cid: str) -> Response:
    """Delete and Reload @context (clause 5.13.5; only deletion: nothing is fetched)."""
    async with get_database().session() as session:
        await service.delete_hosted_context(session, cid)
    _hosted_cache.pop(cid, None)
    forget_cached_contexts()
    return Response(status_code=204)
