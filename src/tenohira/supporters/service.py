"""Help requests: a resident asks for a person; supporters see the open ones with the conversation."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core.config import get_settings
from tenohira.supporters.models import HelpRequest
from tenohira.vault import open_vault

REASONS = ("asked", "not_understood", "other")


def _new_id() -> str:
    return "H" + secrets.token_hex(6).upper()


def help_reference(request_id: str) -> str:
    """The reference number a resident and a supporter both read: ``H-1A2B-3C4D-5E6F``."""
    body = request_id[1:] if request_id.startswith("H") else request_id
    return "H-" + "-".join(body[i : i + 4] for i in range(0, len(body), 4))


async def request_help(
    session: AsyncSession,
    resident_code: str,
    source: str,
    conversation_transcript: list[dict[str, Any]],
    *,
    reason: str = "asked",
    language: str = "ja",
    now: datetime | None = None,
) -> HelpRequest:
    """Open a help request for the digital supporters, in the caller's transaction.

    ``conversation_transcript`` is the conversation so far (``[{"role", "text", "at"}, ...]``),
    kept with the request so that the supporter reads it instead of asking again. The
    transparency log gets a reference-only entry (no text, no names).
    """
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    now = now or datetime.now(UTC)
    await open_vault(get_settings())  # the transcript is sealed (a no-op once the process opened it)
    request = HelpRequest(
        id=_new_id(),
        resident_code=resident_code,
        source=source[:64],
        reason=reason,
        language=language,
        transcript=list(conversation_transcript),
        state="open",
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    await append_event(
        session,
        type="supporters:help:requested",
        actor=resident_code,
        subject=request.id,
        attributes={"source": source.split(":", 1)[0], "reason": reason},
    )
    return request


async def open_help_requests(session: AsyncSession, *, limit: int = 100) -> list[HelpRequest]:
    """The open help requests, oldest first (what supporters pick up next)."""
    rows = await session.scalars(
        sa.select(HelpRequest)
        .where(HelpRequest.state == "open")
        .order_by(HelpRequest.created_at, HelpRequest.id)
        .limit(limit)
    )
    return list(rows)


async def help_requests_of(session: AsyncSession, resident_code: str) -> list[HelpRequest]:
    """Every help request of one resident, newest first."""
    rows = await session.scalars(
        sa.select(HelpRequest)
        .where(HelpRequest.resident_code == resident_code)
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id)
    )
    return list(rows)
