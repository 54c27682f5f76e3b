"""First-start work of opendata: the publisher, the dataset descriptions and a first release."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Describe every dataset and publish what the sources can already answer (idempotent)."""
    from tenohira.opendata.service import publish
    from tenohira.opendata.sources_live import default_sources

    statistics, facilities = default_sources(settings)
    async with get_database(settings).session() as session:
        await publish(session, settings, statistics, facilities, progress=progress)
