"""First-start work of palm (idempotent)."""

from __future__ import annotations

import structlog

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.palm.sealing import seal_legacy_rows
from tenohira.vault import open_vault

log = structlog.get_logger("tenohira.palm")


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Seal rows stored before the palm used the vault (migration palm_0002)."""
    await open_vault(settings)  # outside the unit of work (its first start writes its catalogue)
    async with get_database(settings).session() as session:
        sealed = await seal_legacy_rows(session)
    if sealed:
        log.info("sealed palm rows stored before the vault", rows=sealed)
