"""First-start work of the assistant (idempotent): seal conversations stored before the vault
(migration assistant_0002); train or load the intent classifier.

Done before serving so that the first resident does not wait for training.
"""

from __future__ import annotations

import asyncio

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.vault import open_vault, seal_legacy


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Seal legacy conversations; train the intent classifier (or load the cached one)."""
    from tenohira.assistant.models import Conversation, Message

    # the vault first, outside the unit of work (its first start writes its catalogue)
    await open_vault(settings)
    async with get_database(settings).session() as session:
        await seal_legacy(session, Conversation, ["state"])
        await seal_legacy(session, Message, ["text", "data"])
    from tenohira.assistant.nlu.classifier import default_classifier

    progress("assistant: intent classifier", 0, 1)
    await asyncio.to_thread(default_classifier)
    progress("assistant: intent classifier", 1, 1)
