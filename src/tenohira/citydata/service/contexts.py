"""@contexts hosted by the broker: added, listed, read and deleted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata.errors import bad_request, not_found
from tenohira.citydata.models import HostedContext


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
