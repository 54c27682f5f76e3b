"""Publishing on a schedule: shortly after start (the hub is up by then), then every interval."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from tenohira.core.config import Settings
from tenohira.core.db import get_database

log = structlog.get_logger("tenohira.opendata")


async def publish_once(settings: Settings) -> None:
    """One scheduled publication of every dataset (unchanged data makes no new release)."""
    from tenohira.opendata.service import publish
    from tenohira.opendata.sources_live import default_sources

    statistics, facilities = default_sources(settings)
    async with get_database(settings).session() as session:
        outcomes = await publish(session, settings, statistics, facilities)
    log.info("open data published", **{o.dataset: o.status for o in outcomes})


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Publish after ``opendata_first_publish_seconds``, then every ``opendata_publish_interval_hours``."""
    delay = settings.opendata_first_publish_seconds
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
            return
        try:
            await publish_once(settings)
        except Exception:  # a failed run is retried at the next interval, never kills the server
            log.exception("scheduled open-data publication failed")
        delay = settings.opendata_publish_interval_hours * 3600
