"""First-start work of notify (idempotent): seal rows stored before the vault (notify_0002)."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.notify.models import InboxMessage, OutgoingEmail
from tenohira.vault import open_vault, seal_legacy


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Seal inbox messages and emails whose texts or addresses are still plaintext."""
    # the vault first, outside the unit of work (its first start writes its catalogue)
    await open_vault(settings)
    async with get_database(settings).session() as session:
        await seal_legacy(session, InboxMessage, ["subject", "body"])
        await seal_legacy(session, OutgoingEmail, ["to_address", "subject", "body"])
