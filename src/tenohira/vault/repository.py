"""Queries of vault (the catalogue of split secrets and the rotation history)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.vault.models import VaultRotation, VaultSecret


async def secrets(session: AsyncSession) -> list[VaultSecret]:
    """Every catalogued secret, KEK versions in order, the index key last."""
    rows = await session.scalars(sa.select(VaultSecret).order_by(VaultSecret.purpose, VaultSecret.version))
    return list(rows)


async def running_rotation(session: AsyncSession) -> VaultRotation | None:
    """The rotation in progress, if any."""
    return await session.scalar(
        sa.select(VaultRotation)
        .where(VaultRotation.state == "running")
        .order_by(VaultRotation.id.desc())
        .limit(1)
    )


async def latest_rotation(session: AsyncSession) -> VaultRotation | None:
    """The most recent rotation."""
    return await session.scalar(sa.select(VaultRotation).order_by(VaultRotation.id.desc()).limit(1))


async def update_rotation(
    session: AsyncSession,
    rotation_id: int,
    *,
    done: int,
    total: int,
    state: str | None = None,
    finished_at: datetime | None = None,
) -> VaultRotation:
    """Record a rotation's progress."""
    row = await session.get(VaultRotation, rotation_id)
    assert row is not None
    row.done, row.total = done, total
    if state is not None:
        row.state = state
    if finished_at is not None:
        row.finished_at = finished_at
    return row
