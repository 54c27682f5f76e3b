"""First-start work of agencies.municipality (idempotent)."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Nothing to prepare yet."""


async def seed_population(settings: Settings, residents: int, progress: ProgressFn) -> int:
    """Grow the demo population to ``residents``; return how many were added."""
    return 0
