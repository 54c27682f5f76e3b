"""Background work of the web app: link the demo cards at the hub as soon as the hub serves."""

from __future__ import annotations

import asyncio

import httpx
import structlog

from tenohira.core.config import Settings
from tenohira.web.demo_cards import link_demo_cards, list_cards

log = structlog.get_logger("tenohira.web")


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Wait for the hub to answer, then link the unlinked demo cards (retrying until done)."""
    delay = 0.2
    async with httpx.AsyncClient(timeout=3) as client:
        while not stop.is_set():
            if all(c.linked for c in list_cards(settings)):
                return
            try:
                hub_up = (await client.get(f"{settings.resolved_hub_url}/health")).status_code < 500
            except httpx.HTTPError:
                hub_up = False
            if hub_up:
                linked = await link_demo_cards(settings)
                if linked:
                    log.info("demo cards linked at the hub", residents=linked)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                delay = min(delay * 2, 10.0)
