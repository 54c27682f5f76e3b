"""First-start work of agencies.hospital (idempotent): facilities, issuer keys, bookings, deliveries."""

from __future__ import annotations

from tenohira.agencies.hospital import service
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.vault import open_vault


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Register the facilities (and publish their issuer keys), book the demo's expectant mothers."""
    # the vault first, outside the unit of work (its first start writes its catalogue)
    await open_vault(get_settings())
    async with get_database(settings).session() as session:
        # rows stored before the vault (migration hospital_0003) are sealed first
        await service.seal_legacy_rows(session)
        await service.ensure_facilities(session, settings)
        await service.take_bookings(session, settings, progress)
        await service.record_deliveries(session, settings)
