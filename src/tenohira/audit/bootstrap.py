"""First-start work of audit (idempotent): the log's signing key, the first signed tree head, and
the embedded witness (its own key and database, following this log) unless witnesses are configured."""

from __future__ import annotations

from tenohira.audit.keys import LogKey, create_key
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
    if settings.witnesses.strip() == "embedded":
        await bootstrap_embedded_witness(settings, key)


async def bootstrap_embedded_witness(settings: Settings, key: LogKey) -> None:
    """Create the embedded witness's key and database and have it follow this log (idempotent)."""
    from tenohira.audit.witness import WitnessConfig, init_witness, trust_log
    from tenohira.audit.witnessing import log_origin, log_verifier
    from tenohira.core.db import Database

    config = WitnessConfig.from_settings(settings)
    await init_witness(config)
    db = Database(config.database_url)
    try:
        await trust_log(db, log_origin(settings), log_verifier(settings, key).vkey)
    finally:
        await db.dispose()
