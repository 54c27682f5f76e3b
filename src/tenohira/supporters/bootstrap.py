"""First-start work of supporters (idempotent): seal help requests stored before the vault."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.supporters.models import HelpRequest
from tenohira.vault import open_vault, seal_legacy


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Seal help-request transcripts still stored in clear (migration supporters_0003)."""
    # the vault first, outside the unit of work (its first start writes its catalogue)
    await open_vault(settings)
    async with get_database(settings).session() as session:
        await seal_legacy(session, HelpRequest, ["transcript"])
