"""Background work of the hub: purge expired nonces and access history past its retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.hub import repository as repo
from tenohira.hub import service as svc

log = structlog.get_logger("tenohira.hub")

NONCE_PURGE_SECONDS = 60
HISTORY_PURGE_SECONDS = 6 * 3600


async def purge_once(settings: Settings, now: datetime | None = None) -> tuple[int, int]:
    """Delete expired nonces and access-history entries older than the retention; return the counts."""
    now = now or datetime.now(UTC)
    async with get_database(settings).session() as session:
        nonces = await repo.purge_nonces(session, now)
        history = await svc.purge_history(session, settings.access_history_retention_days, now)
    return nonces, history


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Purge nonces and history, and deliver pending events across the hub, until ``stop`` is set."""
    await asyncio.gather(_purge(settings, stop), _deliver_events(settings, stop))


async def run_mounted(settings: Settings, stop: asyncio.Event) -> None:
    """The platform's share of the hub's background work: all of it while the hub is mounted in
    the platform, none when members reach a hub deployed apart (``TENOHIRA_HUB_URL`` set): that
    hub's own lifespan delivers its events and purges (two couriers would race to deliver)."""
    if settings.hub_url:
        log.info("hub deployed apart: its background work runs there", hub_url=settings.hub_url)
        return
    await run(settings, stop)


async def _deliver_events(settings: Settings, stop: asyncio.Event) -> None:
    from tenohira.hub.events import courier_for

    while not stop.is_set():
        try:
            courier = courier_for(settings)
        except (FileNotFoundError, OSError, ValueError):
            # no hub keys yet (before bootstrap): look again shortly
            try:
                await asyncio.wait_for(stop.wait(), 5)
            except TimeoutError:
                pass
            continue
        await courier.run(stop)


async def _purge(settings: Settings, stop: asyncio.Event) -> None:
    """Purge nonces every minute and history every six hours until ``stop`` is set."""
    last_history = 0.0
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            now = datetime.now(UTC)
            async with get_database(settings).session() as session:
                await repo.purge_nonces(session, now)
                if loop.time() - last_history >= HISTORY_PURGE_SECONDS:
                    purged = await svc.purge_history(session, settings.access_history_retention_days, now)
                    last_history = loop.time()
                    if purged:
                        log.info("access history purged", entries=purged)
        except Exception:
            # the tables may not exist yet (before migration); try again next round
            log.debug("hub purge skipped", exc_info=True)
        try:
            await asyncio.wait_for(stop.wait(), NONCE_PURGE_SECONDS)
        except TimeoutError:
            pass
