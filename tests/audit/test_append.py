"""Appending entries in the caller's transaction."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select

from tenohira.audit import AuditEvent, InvalidAuditEvent, append_event, append_events
from tenohira.audit.leaf import encode_leaf
from tenohira.audit.merkle import leaf_hash
from tenohira.audit.models import AuditEntry


async def test_append_is_part_of_the_callers_transaction(migrated_db: Any) -> None:
    async with migrated_db.session() as session:
        await append_event(
            session,
            type="card:auth:success",
            actor="card:0A1B",
            subject="member:palm",
            payload=b"challenge",
            attributes={"outcome": "ok"},
        )
    with pytest.raises(RuntimeError):
        async with migrated_db.session() as session:
            await append_event(session, type="card:auth:failure", actor="card:0A1B")
            raise RuntimeError("the action failed, so its log entry must vanish too")
    async with migrated_db.session() as session:
        rows = (await session.execute(select(AuditEntry))).scalars().all()
    assert [r.type for r in rows] == ["card:auth:success"]
    row = rows[0]
    assert row.payload_digest == hashlib.sha256(b"challenge").digest()
    assert row.leaf_index is None
    expected = encode_leaf(
        type=row.type,
        actor=row.actor,
        subject=row.subject,
        time=row.created_at,
        digest=row.payload_digest,
        attributes=row.attributes,
    )
    assert row.leaf_hash == leaf_hash(expected)
    assert b"challenge" not in expected


async def test_append_many(migrated_db: Any) -> None:
    events = [
        AuditEvent(type="hub:exchange", actor=f"member:{i}", attributes={"n": str(i)}) for i in range(500)
    ]
    async with migrated_db.session() as session:
        assert await append_events(session, events) == 500
    async with migrated_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 500


BAD_EVENTS: list[dict[str, Any]] = [
    {"type": "", "actor": "a"},
    {"type": "has space", "actor": "a"},
    {"type": "x" * 65, "actor": "a"},
    {"type": "ok", "actor": ""},
    {"type": "ok", "actor": "a" * 129},
    {"type": "ok", "actor": "a", "subject": ""},
    {"type": "ok", "actor": "a", "attributes": {"k": "v" * 257}},
    {"type": "ok", "actor": "a", "attributes": {str(i): "v" for i in range(17)}},
    # a valid individual number (check digit 8) in any field is refused
    {"type": "ok", "actor": "a", "subject": "123456789018"},
    {"type": "ok", "actor": "resident 123456789018", "subject": None},
    {"type": "ok", "actor": "a", "attributes": {"note": "123456789018"}},
]


async def test_bad_events_are_refused(migrated_db: Any) -> None:
    async with migrated_db.session() as session:
        for kwargs in BAD_EVENTS:
            with pytest.raises(InvalidAuditEvent):
                await append_event(session, **kwargs)


async def test_twelve_digits_with_a_wrong_check_digit_pass(migrated_db: Any) -> None:
    async with migrated_db.session() as session:
        await append_event(session, type="ok", actor="a", subject="123456789010")


async def test_batched_rows_read_back_exactly_as_hashed(migrated_db: Any) -> None:
    """The SQLite fast path stores values in SQLAlchemy's own form: reading them back gives the same leaf."""
    from datetime import UTC, datetime

    at = datetime(2026, 11, 26, 8, 0, 0, 123456, tzinfo=UTC)
    events = [
        AuditEvent(type="a:b", actor="x", subject=None, payload=None, attributes={}),
        AuditEvent(type="a:c", actor="日本語", subject="s", payload=b"p", attributes={"z": "1", "a": '"q"'}),
    ]
    async with migrated_db.session() as session:
        await append_events(session, events, now=at)
    async with migrated_db.session() as session:
        rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    from tenohira.audit.leaf import normalise_time, reference_encode_leaf

    for row, event in zip(rows, events, strict=True):
        assert normalise_time(row.created_at) == at
        assert row.attributes == event.attributes and row.subject == event.subject
        leaf = reference_encode_leaf(
            type=row.type, actor=row.actor, subject=row.subject, time=row.created_at,
            digest=row.payload_digest, attributes=row.attributes,
        )  # fmt: skip
        assert row.leaf_hash == leaf_hash(leaf)
