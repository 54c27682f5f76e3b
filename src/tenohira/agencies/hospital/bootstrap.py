"""First-start work of agencies.hospital (idempotent): facilities, issuer keys, bookings, deliveries."""

from __future__ import annotations

from tenohira.agencies.hospital import service
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Register the facilities (and publish their issuer keys), book the demo's expectant mothers."""
    async with get_database(settings).session() as session:
        await service.ensure_facilities(session, settings)
        await service.take_bookings(session, settings, progress)
        await service.record_deliveries(session, settings)
