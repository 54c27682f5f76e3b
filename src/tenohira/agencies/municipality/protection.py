"""Address-protection measures (住民票の閲覧制限等 / DV等支援措置) and the hub service that tells them.

A resident under a support measure for victims of domestic violence, stalking or abuse
(住民基本台帳事務における支援措置) must not be reachable through anyone acting for them: a
registered proxy keeping access to a victim's data is a known failure elsewhere. The
municipality keeps the measure; the palm asks ``municipality.protection-status`` before a
digital supporter acts for a resident, and suspends every delegation while a measure is in
force. The answer is a yes/no and nothing else (not the kind, not who asked for it).
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import LazyHubProvider, member_session
from tenohira.agencies.municipality import service
from tenohira.agencies.municipality.protection_models import ProtectionMeasure
from tenohira.audit import append_event
from tenohira.core.clock import JST, today_jst
from tenohira.core.config import Settings
from tenohira.hub import HubRequest

KINDS = ("dv", "stalking", "abuse", "other")  # 支援措置の対象: DV・ストーカー・児童虐待等


async def place_measure(
    session: AsyncSession,
    resident_id: str,
    *,
    kind: str = "dv",
    starts_on: date | None = None,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> ProtectionMeasure:
    """Put ``resident_id`` under an address-protection measure (in the caller's transaction)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    now = now or datetime.now(UTC)
    measure = ProtectionMeasure(
        resident_id=resident_id,
        kind=kind,
        starts_on=starts_on or now.astimezone(JST).date(),
        ends_on=ends_on,
        created_at=now,
        lifted_at=None,
    )
    session.add(measure)
    await session.flush()
    await append_event(
        session, type="municipality:protection:placed", actor="municipality", subject=resident_id
    )
    return measure


async def lift_measures(session: AsyncSession, resident_id: str, *, now: datetime | None = None) -> int:
    """End every measure of ``resident_id``; returns how many were in force."""
    now = now or datetime.now(UTC)
    rows = list(
        await session.scalars(
            sa.select(ProtectionMeasure).where(
                ProtectionMeasure.resident_id == resident_id, ProtectionMeasure.lifted_at.is_(None)
            )
        )
    )
    for row in rows:
        row.lifted_at = now
    if rows:
        await append_event(
            session, type="municipality:protection:lifted", actor="municipality", subject=resident_id
        )
    return len(rows)


async def is_protected(session: AsyncSession, resident_id: str, *, on: date | None = None) -> bool:
    """Whether a measure is in force for ``resident_id`` on ``on`` (today in Japan by default)."""
    on = on or today_jst()
    found = await session.scalar(
        sa.select(ProtectionMeasure.id)
        .where(
            ProtectionMeasure.resident_id == resident_id,
            ProtectionMeasure.lifted_at.is_(None),
            ProtectionMeasure.starts_on <= on,
            sa.or_(ProtectionMeasure.ends_on.is_(None), ProtectionMeasure.ends_on >= on),
        )
        .limit(1)
    )
    return found is not None


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """``GET /services/protection-status`` (hub service ``municipality.protection-status``)."""
    router = APIRouter(prefix="/services", tags=["municipality"])
    Hub = Annotated[HubRequest, Depends(gate.request)]

    Session = Annotated[AsyncSession, Depends(member_session(settings))]

    @router.get("/protection-status")
    async def protection_status(hub: Hub, db: Session) -> dict[str, Any]:
        """Whether the person is under an address-protection measure: ``{"protected": bool}``."""
        resident = await service.resident_for_code(db, settings, hub.subject_code)
        return {"protected": await is_protected(db, resident.id)}

    return router
