"""Who the resident is, in the palm: the palm's own hub code for the holder of a logged-in card.

After card login the palm asks the hub once (``HubClient.resolve_card``) and caches the answer
(``palm_card_links``). Everything the palm asks agencies is by that code, through the hub.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.hub import HubClient, HubError, HubResponseError, close_pooled_clients, pooled_client
from tenohira.identity import Principal
from tenohira.palm.models import CardLink, Person

MEMBER_ID = "palm"


def hub_unavailable(detail: str) -> Problem:
    """The hub (or an agency behind it) could not be reached: try again later."""
    return Problem(
        status=503,
        slug="palm-hub-unavailable",
        title="The information-linkage hub could not be reached",
        title_ja="情報連携ハブに接続できませんでした。しばらくしてからもう一度お試しください",
        detail=detail,
    )


def palm_client(settings: Settings | None = None) -> HubClient:
    """The palm's hub client (pooled per event loop and data directory: its connection pool is loop-bound)."""
    settings = settings or get_settings()
    try:
        return pooled_client(settings, MEMBER_ID)
    except FileNotFoundError as exc:
        raise Problem(
            status=503,
            slug="member-credentials-missing",
            title="The palm has no hub credentials yet",
            title_ja="手のひらのハブ接続用の鍵がまだありません",
            detail="Run `tenohira init`.",
        ) from exc


async def close_palm_clients() -> None:
    """Close the current loop's hub clients (end of a test or of the process)."""
    await close_pooled_clients()


async def code_for_card(session: AsyncSession, card_serial: str, settings: Settings | None = None) -> str:
    """The palm's code for the holder of an authenticated card (resolved through the hub once, cached).

    The hub call is made with no write pending in ``session`` (the embedded hub may share an
    SQLite database); the cache row is written in a short transaction of its own.
    """
    cached = await session.get(CardLink, card_serial)
    if cached is not None:
        return cached.code
    settings = settings or get_settings()
    try:
        code = await palm_client(settings).resolve_card(card_serial)
    except HubError as exc:
        if exc.status in (403, 404):
            raise Problem(
                status=403,
                slug="palm-card-not-linked",
                title="This card is not linked to a resident yet",
                title_ja="このカードはまだ住民記録と結び付けられていません（窓口でカードの連携を行ってください）",
                detail=str(exc),
            ) from exc
        raise hub_unavailable(str(exc)) from exc
    except (HubResponseError, OSError) as exc:
        raise hub_unavailable(str(exc)) from exc
    async with get_database(settings).session() as own:
        now = datetime.now(UTC)
        await ensure_person(own, code, now)
        # several first requests of a fresh login race here: whoever comes second inserts nothing
        await own.execute(
            _insert_unless_present(own, CardLink).values(card_serial=card_serial, code=code, resolved_at=now)
        )
    return code


def _insert_unless_present(session: AsyncSession, model: type[Person] | type[CardLink]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect (SQLite or PostgreSQL)."""
    table = cast(sa.Table, model.__table__)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


async def ensure_person(session: AsyncSession, code: str, now: datetime | None = None) -> Person:
    """The palm's row for ``code`` (created on first sight).

    Idempotent under concurrency: the row is inserted unless present, in one statement, and then
    read, so two requests seeing a new person at once both get the one row (a check-then-insert
    answered the second with a unique violation, a 500).
    """
    person = await session.get(Person, code)
    if person is None:
        await session.execute(
            _insert_unless_present(session, Person).values(
                code=code, language="ja", email=None, created_at=now or datetime.now(UTC)
            )
        )
        person = await session.get(Person, code)
        assert person is not None  # inserted now or by whoever won the race; never deleted here
    return person


async def code_of(session: AsyncSession, principal: Principal) -> str:
    """The palm's code for the person a principal (card session) acts for."""
    return await code_for_card(session, principal.card_serial)


def recipient_for(code: str) -> str:
    """How notify addresses the person with palm code ``code`` (a reference, never a name)."""
    return f"palm:{code}"


async def recipients_of(session: AsyncSession, principal: Principal) -> list[str]:
    """Every notify recipient reference a logged-in person owns (for the inbox API)."""
    refs = [f"card:{principal.card_serial}"]
    if principal.holder_ref:
        refs.insert(0, principal.holder_ref)
    link = await session.get(CardLink, principal.card_serial)
    if link is not None:
        refs.insert(0, recipient_for(link.code))
    return refs


async def set_contact(session: AsyncSession, code: str, *, email: str | None, language: str | None) -> Person:
    """Record how the person wants to be told (email for notices, language)."""
    person = await ensure_person(session, code)
    if email is not None:
        person.email = email or None
    if language is not None:
        person.language = language
    return person


async def codes_by_card(session: AsyncSession) -> dict[str, Any]:
    """All cached card links (operators)."""
    rows = await session.execute(sa.select(CardLink.card_serial, CardLink.code))
    return {serial: code for serial, code in rows}
