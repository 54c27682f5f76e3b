"""Reading the log's public metadata in bulk (for statistics over the exchanges)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit.models import AuditEntry


@dataclass(frozen=True)
class EntryMetadata:
    """What the log says publicly about one entry (no payload, no subject)."""

    type: str
    actor: str
    created_at: datetime
    attributes: dict[str, Any]


async def entries_of_type(
    session: AsyncSession, type: str, *, since: datetime | None = None, batch: int = 5000
) -> AsyncIterator[EntryMetadata]:
    """Every entry of ``type`` (oldest first), optionally from ``since`` on, read in batches."""
    last = 0
    while True:
        q = select(
            AuditEntry.id, AuditEntry.type, AuditEntry.actor, AuditEntry.created_at, AuditEntry.attributes
        )
        q = q.where(AuditEntry.type == type, AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
        if since is not None:
            q = q.where(AuditEntry.created_at >= since)
        rows = (await session.execute(q)).all()
        for row in rows:
            yield EntryMetadata(row.type, row.actor, row.created_at, dict(row.attributes or {}))
        if len(rows) < batch:
            return
        last = rows[-1].id
