"""First-start work of agencies.insurer (idempotent): the insurers and their insured people."""

from __future__ import annotations

from tenohira.agencies.insurer import service
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Record the insurers and enrol the demo world's insured persons and dependants."""
    async with get_database(settings).session() as session:
        await service.ensure_insurers(session)
        await service.enrol_from_world(session, settings, progress)
