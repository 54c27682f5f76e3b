"""Every query of the hub."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tenohira.hub.models import (
    AccessHistoryEntry,
    AccessRight,
    AgencyCode,
    CardLink,
    Member,
    Nonce,
    Service,
    Subject,
)


async def get_member(session: AsyncSession, member_id: str) -> Member | None:
    return await session.get(Member, member_id)


async def list_members(session: AsyncSession) -> Sequence[Member]:
    return (await session.scalars(sa.select(Member).order_by(Member.id))).all()


async def get_service(session: AsyncSession, service_id: str) -> Service | None:
    return await session.get(Service, service_id)


async def list_services(session: AsyncSession) -> Sequence[Service]:
    return (await session.scalars(sa.select(Service).order_by(Service.id))).all()


async def find_right(
    session: AsyncSession, client_id: str, service_id: str, purpose: str
) -> AccessRight | None:
    return await session.scalar(
        sa.select(AccessRight).where(
            AccessRight.client_id == client_id,
            AccessRight.service_id == service_id,
            AccessRight.purpose == purpose,
        )
    )


async def list_rights(session: AsyncSession, *, active_only: bool = True) -> Sequence[AccessRight]:
    query = sa.select(AccessRight).order_by(
        AccessRight.client_id, AccessRight.service_id, AccessRight.purpose
    )
    if active_only:
        query = query.where(AccessRight.revoked_at.is_(None))
    return (await session.scalars(query)).all()


async def get_right(session: AsyncSession, right_id: int) -> AccessRight | None:
    return await session.get(AccessRight, right_id)


async def subject_of(session: AsyncSession, member_id: str, code: str) -> str | None:
    return await session.scalar(
        sa.select(AgencyCode.subject_id).where(AgencyCode.member_id == member_id, AgencyCode.code == code)
    )


async def code_of(session: AsyncSession, member_id: str, subject_id: str) -> str | None:
    return await session.scalar(
        sa.select(AgencyCode.code).where(
            AgencyCode.member_id == member_id, AgencyCode.subject_id == subject_id
        )
    )


async def add_subject(session: AsyncSession, subject_id: str, registered_by: str, now: datetime) -> None:
    session.add(Subject(id=subject_id, registered_by=registered_by, created_at=now))
    await session.flush()


async def add_code(session: AsyncSession, member_id: str, code: str, subject_id: str, now: datetime) -> None:
    session.add(AgencyCode(member_id=member_id, code=code, subject_id=subject_id, created_at=now))
    await session.flush()


async def get_card_link(session: AsyncSession, card_serial: str) -> CardLink | None:
    return await session.get(CardLink, card_serial)


async def reserve_nonces(
    conn: AsyncConnection, keys: list[tuple[str, str]], expires_at: datetime
) -> set[tuple[str, str]]:
    """Insert (member, nonce) pairs unless present; return the pairs this statement inserted."""
    table = cast(sa.Table, Nonce.__table__)
    rows = [{"member_id": m, "nonce": n, "expires_at": expires_at} for m, n in dict.fromkeys(keys)]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).on_conflict_do_nothing()
    # executemany with RETURNING ("insertmanyvalues"): one cached statement whatever the batch size
    result = await conn.execute(stmt.returning(table.c.member_id, table.c.nonce), rows)
    return {(r[0], r[1]) for r in result}


async def purge_nonces(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(sa.delete(Nonce).where(Nonce.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


async def history_for(
    session: AsyncSession, subject_id: str, *, limit: int, offset: int
) -> Sequence[AccessHistoryEntry]:
    return (
        await session.scalars(
            sa.select(AccessHistoryEntry)
            .where(AccessHistoryEntry.subject_id == subject_id)
            .order_by(AccessHistoryEntry.at.desc(), AccessHistoryEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()


async def purge_history(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(sa.delete(AccessHistoryEntry).where(AccessHistoryEntry.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
