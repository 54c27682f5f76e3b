"""First-start work of the web app (idempotent): the demo cards the login page offers."""

from __future__ import annotations

import os

from tenohira.core.config import Settings
from tenohira.core.progress import ProgressFn
from tenohira.web.demo_cards import DEMO_CARDS_ENV, DEMO_RESIDENTS, issue_demo_cards


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Issue the demo residents' cards at the counter (linked at the hub once it serves).

    Not under ``TENOHIRA_ENVIRONMENT=test`` unless ``TENOHIRA_WEB_DEMO_CARDS=1``: the cards cost
    seconds of key generation, and only the web's browser tests log in with them.
    """
    if settings.environment == "test" and os.environ.get(DEMO_CARDS_ENV) != "1":
        return
    progress("demo cards", 0, len(DEMO_RESIDENTS))
    await issue_demo_cards(settings)
    progress("demo cards", len(DEMO_RESIDENTS), len(DEMO_RESIDENTS))
