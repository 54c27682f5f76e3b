"""Subscriptions: stored, listed, loaded and deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata.errors import already_exists, not_found
from tenohira.citydata.models import Subscription

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
