"""First-start work of agencies.insurer (idempotent): the insurers and their insured people."""

from __future__ import annotations

from tenohira.agencies.insurer import service
from tenohira.agencies.insurer.intake_models import ReceivedApplication
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.vault import open_vault, seal_legacy


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Record the insurers and enrol the demo world's insured persons and dependants."""
    # the vault first, outside the unit of work (its first start writes its catalogue)
    await open_vault(get_settings())
    async with get_database(settings).session() as session:
        # rows stored before the vault (migration insurer_0003) are sealed first
        await service.seal_legacy_rows(session)
        await seal_legacy(session, ReceivedApplication, ["document", "manifest", "signature", "answer"])
        await service.ensure_insurers(session)
        await service.enrol_from_world(session, settings, progress)
