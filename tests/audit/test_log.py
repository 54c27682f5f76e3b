"""Sequencing, stored subtrees and proofs against the RFC 9162 reference, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tenohira.audit import AuditEvent, append_events, consistency_proof, inclusion_proof, sequence
from tenohira.audit.keys import LogKey, public_key_from_pem, tree_head_data
from tenohira.audit.log import produce_tree_head, root_at, sequence_batch, tree_size
from tenohira.audit.merkle import (
    reference_consistency_proof,
    reference_inclusion_path,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from tenohira.audit.models import AuditEntry
from tenohira.core.problems import Problem


async def _append(db: Any, count: int, tag: str = "t") -> None:
    async with db.session() as s:
        await append_events(s, [AuditEvent(type="test:event", actor=f"{tag}{i}") for i in range(count)])


async def _leaf_hashes(db: Any) -> list[bytes]:
    async with db.session() as s:
        rows = await s.execute(
            select(AuditEntry.leaf_hash)
            .where(AuditEntry.leaf_index.is_not(None))
            .order_by(AuditEntry.leaf_index)
        )
        return [r[0] for r in rows]


async def test_sequenced_tree_matches_reference_in_uneven_batches(migrated_db: Any) -> None:
    rng = random.Random(7)
    total = 0
    for _ in range(12):
        k = rng.randint(1, 37)
        await _append(migrated_db, k, tag=f"b{total}-")
        async with migrated_db.session() as s:
            assert await sequence_batch(s, limit=rng.randint(1, 50)) >= 1
            await sequence(s)
        total += k
    hashes = await _leaf_hashes(migrated_db)
    assert len(hashes) == total
    async with migrated_db.session() as s:
        assert await tree_size(s) == total
        for n in range(1, total + 1, 7):
            assert await root_at(s, n) == root_from_leaf_hashes(hashes[:n])
        for m in range(0, total, 5):
            proof = await inclusion_proof(s, m, total)
            assert proof.path == reference_inclusion_path(m, hashes)
            verify_inclusion(m, total, hashes[m], proof.path, root_from_leaf_hashes(hashes))
        for first in range(0, total + 1, 9):
            path = await consistency_proof(s, first, total)
            assert path == reference_consistency_proof(first, hashes)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_proofs_verify_for_random_sizes(migrated_db: Any, data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 150), label="tree size")
    m = data.draw(st.integers(0, size - 1), label="leaf index")
    first = data.draw(st.integers(0, size), label="first size")
    batch = data.draw(st.integers(1, 40), label="sequencer batch")
    async with migrated_db.session() as s:
        have = await tree_size(s)
    if have < size:
        # grow the log in uneven steps, so stored subtrees come from many sequencer runs
        await _append(migrated_db, size - have + 3, tag=f"h{have}-")
        async with migrated_db.session() as s:
            await sequence(s, limit=batch)
    hashes = await _leaf_hashes(migrated_db)
    async with migrated_db.session() as s:
        p = await inclusion_proof(s, m, size)
        verify_inclusion(m, size, hashes[m], p.path, root_from_leaf_hashes(hashes[:size]))
        c = await consistency_proof(s, first, size)
        verify_consistency(
            first, size, root_from_leaf_hashes(hashes[:first]), root_from_leaf_hashes(hashes[:size]), c
        )


async def test_proofs_beyond_the_tree_are_refused(migrated_db: Any) -> None:
    await _append(migrated_db, 5)
    async with migrated_db.session() as s:
        await sequence(s)
    await _append(migrated_db, 3)  # waiting, not sequenced: not provable yet
    async with migrated_db.session() as s:
        for call in (
            inclusion_proof(s, 0, 6),
            inclusion_proof(s, 5, 5),
            consistency_proof(s, 2, 8),
            consistency_proof(s, 5, 4),
        ):
            with pytest.raises(Problem):
                await call
        assert (await inclusion_proof(s, 4, 5)).leaf_index == 4


async def test_concurrent_sequencers_give_contiguous_indices(migrated_db: Any) -> None:
    async def writer(w: int) -> None:
        for b in range(5):
            await _append(migrated_db, 20, tag=f"w{w}b{b}-")

    async def sequencer() -> None:
        for _ in range(10):
            async with migrated_db.session() as s:
                await sequence_batch(s, limit=13)
            await asyncio.sleep(0)

    await asyncio.gather(*(writer(w) for w in range(3)), sequencer(), sequencer())
    async with migrated_db.session() as s:
        await sequence(s)
        indices = list(await s.scalars(select(AuditEntry.leaf_index).order_by(AuditEntry.leaf_index)))
    assert indices == list(range(300))
    hashes = await _leaf_hashes(migrated_db)
    async with migrated_db.session() as s:
        assert await root_at(s, 300) == root_from_leaf_hashes(hashes)


async def test_signed_tree_head(migrated_db: Any, log_key: LogKey) -> None:
    await _append(migrated_db, 11)
    async with migrated_db.session() as s:
        head = await produce_tree_head(s, log_key)
    hashes = await _leaf_hashes(migrated_db)
    assert head.tree_size == 11
    assert head.root_hash == root_from_leaf_hashes(hashes)
    verifier = public_key_from_pem(log_key.public_pem)
    assert verifier.key_id == head.key_id
    data = tree_head_data(head.timestamp_ms, head.tree_size, head.root_hash)
    assert verifier.verify(head.signature, data)
    assert not verifier.verify(head.signature, tree_head_data(head.timestamp_ms, 12, head.root_hash))
    # RFC 9162 TreeHeadDataV2: uint64 timestamp, uint64 tree_size, opaque root<1..255>, empty extensions
    assert len(data) == 8 + 8 + 1 + 32 + 2
    assert int.from_bytes(data[8:16], "big") == 11
