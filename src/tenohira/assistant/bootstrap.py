"""First-start work of the assistant (idempotent): train or load the intent classifier.

Done before serving so that the first resident does not wait for training.
"""

from __future__ import annotations

import asyncio

from tenohira.core.config import Settings
from tenohira.core.progress import ProgressFn


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Train the intent classifier from the repository's data (or load the cached one)."""
    from tenohira.assistant.nlu.classifier import default_classifier

    progress("assistant: intent classifier", 0, 1)
    await asyncio.to_thread(default_classifier)
    progress("assistant: intent classifier", 1, 1)
