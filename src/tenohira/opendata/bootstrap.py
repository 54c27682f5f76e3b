"""First-start work of opendata: the publisher, the dataset descriptions and a first release."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Describe every dataset and publish the city's own records (idempotent).

    Statistics need the hub, which is not serving yet during bootstrap: the scheduled task
    (``tasks.run``) publishes them shortly after start.
    """
    from tenohira.opendata.datasets import DATASETS
    from tenohira.opendata.service import publish
    from tenohira.opendata.sources_live import default_sources

    statistics, facilities = default_sources(settings)
    standard = [d.name for d in DATASETS if d.kind == "standard"]
    async with get_database(settings).session() as session:
        await publish(session, settings, statistics, facilities, only=standard, progress=progress)
