"""The background task: sequences waiting entries and signs a head; an idle log is left alone."""

from __future__ import annotations

import asyncio
from typing import Any

from tenohira.audit import AuditEvent, append_events
from tenohira.audit.keys import LogKey
from tenohira.audit.log import latest_tree_head, tree_size
from tenohira.audit.tasks import maybe_sign, run, sequence_pending
from tenohira.core import get_settings


async def test_background_task_sequences_and_signs(migrated_db: Any, log_key: LogKey) -> None:
    settings = get_settings()
    assert await sequence_pending(settings) == 0
    async with migrated_db.session() as s:
        await append_events(s, [AuditEvent(type="t:x", actor=f"a{i}") for i in range(25)])
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        async with migrated_db.session() as s:
            head = await latest_tree_head(s)
        if head is not None and head.tree_size == 25:
            break
    stop.set()
    await asyncio.wait_for(task, 10)
    async with migrated_db.session() as s:
        assert await tree_size(s) == 25
        head = await latest_tree_head(s)
    assert head is not None and head.tree_size == 25
    assert await maybe_sign(settings) is False  # nothing new, and the head is fresh
