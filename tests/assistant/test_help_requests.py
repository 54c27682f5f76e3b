"""supporters.request_help as the assistant uses it: stored with the transcript, logged without text."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tenohira.audit.models import AuditEntry
from tenohira.supporters import help_requests_of, open_help_requests, request_help


async def test_request_help_keeps_the_conversation(migrated_db: Any) -> None:
    transcript = [
        {"role": "assistant", "text": "こんにちは", "at": "2026-11-26T00:00:00+00:00"},
        {"role": "resident", "text": "子どもの名前に使える字を知りたい", "at": "2026-11-26T00:00:01+00:00"},
    ]
    async with migrated_db.session() as s:
        first = await request_help(s, "PALMCODE1", "assistant:C1", transcript, reason="not_understood")
        await request_help(s, "PALMCODE2", "web:/home", [], language="en")
    async with migrated_db.session() as s:
        mine = await help_requests_of(s, "PALMCODE1")
        assert [r.id for r in mine] == [first.id]
        assert mine[0].transcript == transcript and mine[0].state == "open"
        assert {r.resident_code for r in await open_help_requests(s)} == {"PALMCODE1", "PALMCODE2"}
        entries = (
            await s.scalars(sa.select(AuditEntry).where(AuditEntry.type == "supporters:help:requested"))
        ).all()
        assert len(entries) == 2
        logged = " ".join(str(getattr(e, c.name)) for e in entries for c in AuditEntry.__table__.columns)
        assert "名前" not in logged  # references only: the conversation is not in the log
    with pytest.raises(ValueError):
        async with migrated_db.session() as s:
            await request_help(s, "X", "assistant", [], reason="whatever")
