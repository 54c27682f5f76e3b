"""NGSI-LD API: subscriptions (routes on the shared router of ``common``)."""

from __future__ import annotations

from fastapi import Request, Response

from tenohira.citydata import service
from tenohira.citydata import subscriptions as subs
from tenohira.citydata.api.common import (
    _accept,
    _context,
    _context_source,
    _get_context_source,
    _location,
    _options,
    _pagination,
    _read_json,
    _reading,
    _respond,
    _route,
    router,
)
from tenohira.citydata.api.entities import (
    _page_links,
)
from tenohira.citydata.errors import bad_request
from tenohira.core.db import get_database


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
