"""Background work of audit: the sequencer (every second) and signed tree heads (periodically)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog

from tenohira.audit import repository
from tenohira.audit.keys import create_key
from tenohira.audit.log import latest_tree_head, produce_tree_head, sequence_batch, tree_size
from tenohira.audit.refusals import flush_refusals
from tenohira.audit.witnessing import witness_latest
from tenohira.core.config import Settings
from tenohira.core.db import get_database

log = structlog.get_logger("tenohira.audit")

SEQUENCE_INTERVAL = 1.0
TREE_HEAD_INTERVAL = 60.0
# Sign a fresh head even of an unchanged tree at least this often, so monitors see the log is alive.
TREE_HEAD_MAX_AGE = 3600.0


async def sequence_pending(settings: Settings) -> int:
    """Sequence every waiting entry, one short transaction per batch (the lock is held briefly)."""
    db = get_database(settings)
    # Look before locking: the lock is a write, and an idle log must not write every second.
    async with db.session() as session:
        if not await repository.any_unsequenced(session):
            return 0
    total = 0
    while True:
        async with db.session() as session:
            done = await sequence_batch(session)
        total += done
        if done == 0:
            return total


async def maybe_sign(settings: Settings) -> bool:
    """Sign a new tree head if the tree grew since the last one, or the last one is old."""
    key = create_key(settings)
    async with get_database(settings).session() as session:
        last = await latest_tree_head(session)
        size = await tree_size(session)
        fresh = last is not None and time.time() * 1000 - last.timestamp_ms < TREE_HEAD_MAX_AGE * 1000
        if last is not None and last.tree_size == size and fresh:
            return False
        await produce_tree_head(session, key)
        return True


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Sequence every second and sign a tree head every minute until ``stop`` is set."""
    next_head = 0.0
    # witnesses are asked beside the loop: a slow or unreachable one never holds up sequencing
    witnessing: asyncio.Task[int] | None = None
    while not stop.is_set():
        try:
            await flush_refusals(settings)
            await sequence_pending(settings)
            if time.monotonic() >= next_head:
                await maybe_sign(settings)
                # every new head goes to the witnesses; one that was down gets it on the next round
                if witnessing is None or witnessing.done():
                    witnessing = asyncio.create_task(witness_latest(settings), name="audit-witnessing")
                next_head = time.monotonic() + TREE_HEAD_INTERVAL
        except Exception:
            # Keep running: a transient database error must not stop the log for good.
            log.exception("audit sequencer failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SEQUENCE_INTERVAL)
    if witnessing is not None and not witnessing.done():
        witnessing.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await witnessing
    try:  # what strangers were refused in the last minute is not lost at a clean shutdown
        await flush_refusals(settings, everything=True)
    except Exception:
        log.exception("could not write the last refusal counts")
