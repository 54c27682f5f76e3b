"""Background work of notify: the email worker (wakes on commit, polls every few seconds)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.notify.delivery import LEASE, deliver_once, make_transport
from tenohira.notify.service import register_wakeup, unregister_wakeup

log = structlog.get_logger("tenohira.notify")
POLL_INTERVAL = 2.0


async def run(
    settings: Settings, stop: asyncio.Event, *, poll_interval: float = POLL_INTERVAL, lease: timedelta = LEASE
) -> None:
    """Send due emails until ``stop`` is set."""
    db = get_database(settings)
    transport = make_transport(settings)
    wake = asyncio.Event()
    register_wakeup(wake)
    try:
        while not stop.is_set():
            wake.clear()
            try:
                n = await deliver_once(db, settings, transport, lease=lease)
            except Exception:
                log.exception("email worker round failed; retrying")
                n = 0
            if n:
                continue
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            await asyncio.wait(waiters, timeout=poll_interval, return_when=asyncio.FIRST_COMPLETED)
            for w in waiters:
                w.cancel()
    finally:
        unregister_wakeup(wake)
