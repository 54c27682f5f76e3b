"""Background work of events."""

from __future__ import annotations

import asyncio

from tenohira.core.config import Settings


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Nothing runs in the background yet."""
    await stop.wait()
