"""Every query of the hub (the services and the event courier open the units of work and call these).

The rule of the platform (docs/architecture.md, "Queries and units of work"): a module with a
``repository.py`` keeps its queries there; its services decide and open or receive the unit of
work; a repository function never commits.
"""

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
    EventDelivery,
    EventPublisher,
    EventSubscription,
    HubEvent,
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


async def add_history(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert access-history rows (one executemany)."""
    await session.execute(sa.insert(cast(sa.Table, AccessHistoryEntry.__table__)), rows)


# --- events: publishers, subscriptions, events and their deliveries --------------------------


async def get_publisher(session: AsyncSession, member_id: str, topic: str) -> EventPublisher | None:
    return await session.get(EventPublisher, (member_id, topic))


async def get_subscription(session: AsyncSession, member_id: str, topic: str) -> EventSubscription | None:
    return await session.get(EventSubscription, (member_id, topic))


async def subscriptions_to(session: AsyncSession, topic: str) -> list[EventSubscription]:
    return list(
        (await session.scalars(sa.select(EventSubscription).where(EventSubscription.topic == topic))).all()
    )


async def event_from(
    session: AsyncSession, publisher: str, publisher_event_id: str
) -> tuple[str, list[str]] | None:
    """The hub's id of a publisher's event and its deliveries' ids, if it was accepted before."""
    found = await session.scalar(
        sa.select(HubEvent.id).where(
            HubEvent.publisher_id == publisher, HubEvent.publisher_event_id == publisher_event_id
        )
    )
    if found is None:
        return None
    ids = (await session.scalars(sa.select(EventDelivery.id).where(EventDelivery.event_id == found))).all()
    return found, list(ids)


def _deliveries_with_event_and_path() -> sa.Select[EventDelivery, HubEvent, str]:
    return (
        sa.select(EventDelivery, HubEvent, EventSubscription.path)
        .join(HubEvent, HubEvent.id == EventDelivery.event_id)
        .join(
            EventSubscription,
            sa.and_(
                EventSubscription.member_id == EventDelivery.member_id,
                EventSubscription.topic == HubEvent.topic,
            ),
        )
    )


async def due_deliveries(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[sa.Row[EventDelivery, HubEvent, str]]:
    """Pending deliveries whose next attempt is due, oldest event first, with the event and path."""
    return (
        await session.execute(
            _deliveries_with_event_and_path()
            .where(
                EventDelivery.delivered_at.is_(None),
                sa.or_(EventDelivery.next_attempt_at.is_(None), EventDelivery.next_attempt_at <= now),
            )
            .order_by(HubEvent.received_at)
            .limit(limit)
        )
    ).all()


async def pending_delivery(
    session: AsyncSession, delivery_id: str
) -> sa.Row[EventDelivery, HubEvent, str] | None:
    """One delivery not yet delivered, with its event and the subscriber's path."""
    return (
        await session.execute(
            _deliveries_with_event_and_path().where(
                EventDelivery.id == delivery_id, EventDelivery.delivered_at.is_(None)
            )
        )
    ).first()


async def mark_delivered(session: AsyncSession, delivery_id: str, now: datetime) -> bool:
    """Mark a delivery delivered; False when another courier did first."""
    marked = await session.execute(
        sa.update(EventDelivery)
        .where(EventDelivery.id == delivery_id, EventDelivery.delivered_at.is_(None))
        .values(delivered_at=now, attempts=EventDelivery.attempts + 1, last_error=None)
    )
    return getattr(marked, "rowcount", 0) == 1


async def mark_failed(session: AsyncSession, delivery_id: str, next_attempt_at: datetime, error: str) -> None:
    """Count a failed attempt and set when to try again."""
    await session.execute(
        sa.update(EventDelivery)
        .where(EventDelivery.id == delivery_id, EventDelivery.delivered_at.is_(None))
        .values(attempts=EventDelivery.attempts + 1, next_attempt_at=next_attempt_at, last_error=error[:500])
    )


async def count_pending_deliveries(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count()).select_from(EventDelivery).where(EventDelivery.delivered_at.is_(None))
        )
        or 0
    )
