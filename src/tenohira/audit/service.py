"""Appending to the transparency log (in the caller's transaction)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit.leaf import (
    AuditEvent,
    check_event,
    entry_leaf_hash,
    format_time,
    normalise_time,
    payload_digest,
)
from tenohira.audit.models import AuditEntry


def _row(event: AuditEvent, now: datetime, time_text: str | None = None) -> dict[str, Any]:
    check_event(event)
    digest = payload_digest(event.payload)
    attributes = dict(event.attributes)
    return {
        "type": event.type,
        "actor": event.actor,
        "subject": event.subject,
        "created_at": now,
        "payload_digest": digest,
        "attributes": attributes,
        "leaf_hash": entry_leaf_hash(
            type=event.type,
            actor=event.actor,
            subject=event.subject,
            time=time_text or now,
            digest=digest,
            attributes=attributes,
        ),
    }


async def append_event(
    session: AsyncSession,
    *,
    type: str,
    actor: str,
    subject: str | None = None,
    payload: bytes | None = None,
    attributes: dict[str, str] | None = None,
    now: datetime | None = None,
) -> None:
    """Add one entry to the transparency log in the caller's transaction (atomic with the action).

    ``type`` like ``"card:auth:success"``; ``actor``/``subject`` are references (member ids, card
    serials, agency codes), never names or individual numbers; ``payload`` is hashed and only its
    SHA-256 is stored; ``attributes`` are small non-personal strings. The entry gets its leaf index
    when the sequencer runs (background task, or :func:`tenohira.audit.sequence`).
    Raises :class:`tenohira.audit.InvalidAuditEvent` for a malformed event.
    """
    event = AuditEvent(type=type, actor=actor, subject=subject, payload=payload, attributes=attributes or {})
    await session.execute(insert(AuditEntry).values(**_row(event, now or datetime.now(UTC))))


_SQLITE_INSERT = (
    "INSERT INTO audit_entries (type, actor, subject, created_at, payload_digest, attributes, leaf_hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


async def append_events(
    session: AsyncSession, events: Sequence[AuditEvent], *, now: datetime | None = None
) -> int:
    """Add many entries in one statement (executemany) in the caller's transaction; returns the count."""
    if not events:
        return 0
    at = now or datetime.now(UTC)
    text = format_time(at)  # one timestamp for the whole batch, formatted once
    rows = [_row(e, at, text) for e in events]
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        # The embedded database's hot path: the driver directly, with values in exactly the form
        # SQLAlchemy stores them (DATETIME text, JSON via json.dumps), ~3x faster than Core here.
        stamp = normalise_time(at).strftime("%Y-%m-%d %H:%M:%S.%f")
        await conn.exec_driver_sql(
            _SQLITE_INSERT,
            [
                (
                    r["type"],
                    r["actor"],
                    r["subject"],
                    stamp,
                    r["payload_digest"],
                    json.dumps(r["attributes"]),
                    r["leaf_hash"],
                )
                for r in rows
            ],
        )
    else:
        await session.execute(insert(cast(Table, AuditEntry.__table__)), rows)
    return len(rows)
