"""First-start work of audit (idempotent): the log's signing key and the first signed tree head."""

from __future__ import annotations

from tenohira.audit.keys import create_key
from tenohira.audit.log import latest_tree_head, produce_tree_head
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Create the Ed25519 log key under data_dir/audit/ and sign the first tree head if none exists."""
    progress("audit: log key", 0, 1)
    key = create_key(settings)
    async with get_database(settings).session() as session:
        if await latest_tree_head(session) is None:
            await produce_tree_head(session, key)
    progress("audit: log key", 1, 1)
