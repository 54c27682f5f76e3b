"""First-start work of hub (idempotent)."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Nothing to prepare yet."""
