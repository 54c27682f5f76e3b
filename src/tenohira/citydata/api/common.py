"""The NGSI-LD API's router, route class and request helpers (shared by its sections).

The router parses requests itself (media types, Link header, options) rather than
through pydantic models, because NGSI-LD prescribes its own error types for every
malformed input; errors are rendered as NGSI-LD ProblemDetails by ``NgsiRoute``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata import fastjson, service
from tenohira.citydata import subscriptions as subs
from tenohira.citydata.errors import NgsiError, bad_request, invalid_request
from tenohira.citydata.jsonld import (
    ActiveContext,
    build_context,
    hosted_id,
    link_header,
    parse_link_header,
    remote_urls,
)
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
