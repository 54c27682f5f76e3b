"""Replay protection shared by hub instances, and the group commit's failure isolation."""

from __future__ import annotations

from typing import Any

import pytest

from tenohira.hub.runtime import Batcher, NonceStore


async def test_a_nonce_seen_by_another_instance_is_a_replay(migrated_db: Any) -> None:
    one, two = NonceStore(migrated_db, 30), NonceStore(migrated_db, 30)
    assert await one.reserve("palm", "n-1") is True
    assert await one.reserve("palm", "n-1") is False  # same instance: memory
    assert await two.reserve("palm", "n-1") is False  # other instance: database
    assert await two.reserve("insurer", "n-1") is True  # nonces are per member


async def test_group_commit_isolates_a_failing_item() -> None:
    seen: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        seen.append(items)
        if 13 in items:
            raise ValueError("bad item")
        return [i * 2 for i in items]

    import asyncio

    batcher: Batcher[int, int] = Batcher(flush)
    results = await asyncio.gather(*(batcher.submit(i) for i in (1, 13, 3)), return_exceptions=True)
    assert results[0] == 2 and results[2] == 6
    assert isinstance(results[1], ValueError)
    assert seen[0] == [1, 13, 3], "all three went in one batch first"


@pytest.mark.parametrize("count", [50])
async def test_concurrent_reservations_batch(migrated_db: Any, count: int) -> None:
    import asyncio

    store = NonceStore(migrated_db, 30)
    results = await asyncio.gather(*(store.reserve("palm", f"n{i}") for i in range(count)))
    assert all(results)
    assert store.batcher.batches < count
