"""NGSI-LD API: hosted @contexts (routes on the shared router of ``common``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import Request, Response

from tenohira.citydata import entities as ent
from tenohira.citydata import service
from tenohira.citydata.api.common import (
    JSON,
    JSONLD,
    _hosted_cache,
    _location,
    _read_json,
    _reading,
    _route,
    router,
)
from tenohira.citydata.errors import bad_request, not_found
from tenohira.citydata.jsonld import (
    HOSTED_PATH,
    build_context,
    core_document,
    core_version_of,
    forget_cached_contexts,
)
from tenohira.core.db import get_database


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
