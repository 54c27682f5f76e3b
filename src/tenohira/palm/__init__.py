"""The citizen-facing side: applications, push notices, do-them-for-me, the birth scenario.

Public face for the rest of the platform (kept light: the heavy parts load on first call):

- :func:`code_for_card` — the palm's own hub code for the holder of an authenticated card.
- :func:`recipient_for` — the notify recipient reference of a palm code (``palm:<code>``).
- :func:`contact_of` — the person's email for notices (or None) and language.
- :func:`create_applications` — "do them for me" for a list of procedures: create, prefill once
  through the hub, and open one set to sign (see ``docs/palm.md``).
- Tables: ``tenohira.palm.models`` (``Person``, ``CardLink``, ``Application``, ``HistoryEntry``,
  ``Bundle``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.ext.asyncio import AsyncSession


async def code_for_card(session: AsyncSession, card_serial: str) -> str:
    """The palm's code for the holder of an authenticated card (resolved at the hub once, cached)."""
    from tenohira.palm.people import code_for_card as resolve

    return await resolve(session, card_serial)


def recipient_for(code: str) -> str:
    """How notify addresses the person with palm code ``code``."""
    from tenohira.palm.people import recipient_for as recipient

    return recipient(code)


async def contact_of(session: AsyncSession, code: str) -> tuple[str | None, str]:
    """(email or None, language) of the person with palm code ``code``."""
    from tenohira.palm.people import ensure_person

    person = await ensure_person(session, code)
    return person.email, person.language


async def create_applications(
    session: AsyncSession,
    code: str,
    procedures: list[str],
    *,
    answers: dict[str, Any] | None = None,
    actor: str = "palm",
) -> dict[str, Any]:
    """Create and prefill an application for each procedure as one set to sign once.

    Returns ``{"bundle": id, "state": "incomplete"|"open"|..., "applications": {procedure: id}}``.
    Makes hub calls: call it with no write pending in ``session`` (the embedded hub may share the
    SQLite database). Procedures whose deciding agency has no system here are handed over.
    """
    from tenohira.palm.applications import PalmContext, create_bundle

    bundle, apps = await create_bundle(session, PalmContext.for_code(code, actor), procedures, answers or {})
    return {"bundle": bundle.id, "state": bundle.state, "applications": {a.procedure_id: a.id for a in apps}}


__all__ = [
    "application_counts",
    "code_for_card",
    "contact_of",
    "create_applications",
    "processing_days",
    "recipient_for",
]


async def application_counts(session: AsyncSession, to_state: str, reference: date) -> dict[str, Any]:
    """A table of applications that reached ``to_state`` per procedure and month (open data)."""
    from tenohira.palm.statistics import applications_by_month

    return await applications_by_month(session, to_state, reference)


async def processing_days(session: AsyncSession) -> dict[str, list[float]]:
    """Days from submission to decision per procedure (open data)."""
    from tenohira.palm.statistics import processing_days as days

    return await days(session)
