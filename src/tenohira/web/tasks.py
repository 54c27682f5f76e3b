"""Background work of the web app: make the demo cards (issue, link at the hub) once the hub serves."""

from __future__ import annotations

import asyncio

import httpx
import structlog

from tenohira.core.config import Settings
from tenohira.web.demo_cards import DEMO_RESIDENTS, demo_cards_enabled, list_cards, prepare_demo_cards

log = structlog.get_logger("tenohira.web")
ATTEMPTS = (
    5  # a card the counter cannot make (resident missing from a tiny population) is not retried forever
)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Wait for the hub to answer, then issue and link the demo cards (retrying a few times)."""
    if not demo_cards_enabled(settings):
        return
    delay, attempts = 0.2, 0
    async with httpx.AsyncClient(timeout=3) as client:
        while not stop.is_set() and attempts < ATTEMPTS:
            cards = list_cards(settings)
            if len(cards) == len(DEMO_RESIDENTS) and all(c.linked for c in cards):
                return
            try:
                hub_up = (await client.get(f"{settings.resolved_hub_url}/health")).status_code < 500
            except httpx.HTTPError:
                hub_up = False
            if hub_up:
                attempts += 1
                linked = await prepare_demo_cards(settings)
                if linked:
                    log.info("demo cards ready", residents=linked)
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                delay = min(delay * 2, 10.0)
