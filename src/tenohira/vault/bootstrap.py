"""First-start work of vault (idempotent): the sites, the first KEK and the blind-index key."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.progress import ProgressFn
from tenohira.vault.service import bootstrap_vault, open_vault


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Create the storage sites and split the first keys across them, unless already done; then
    open the vault, so that sealed attributes (synchronous) can be read in this process."""
    await bootstrap_vault(settings, progress)
    await open_vault(settings)
