"""The log itself: sequencing entries into the tree, proofs from stored subtrees, signed tree heads.

Appending (:mod:`tenohira.audit.service`) only inserts a row with its leaf hash, so writers never
contend. The sequencer then, under one lock (the state row), gives waiting entries contiguous leaf
indices in id order and stores every newly completed subtree hash. A proof therefore needs only
O(log n) stored hashes, read in one query.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import repository as repo
from tenohira.audit.keys import SIGNATURE_ALGORITHM, LogKey, tree_head_data
from tenohira.audit.merkle import (
    EMPTY_ROOT,
    consistency_ranges,
    fold_right,
    frontier,
    inclusion_ranges,
    node_hash,
    perfect_subtrees,
)
from tenohira.audit.models import AuditTreeHead
from tenohira.core.problems import Problem

SEQUENCE_BATCH = 20_000


class LogStateMissing(RuntimeError):
    """The state row is gone (only by tampering or a broken migration); ``audit verify`` explains."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head as served at ``/api/audit/sth``."""

    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    key_id: bytes
    signature: bytes

    def as_json(self) -> dict[str, object]:
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp_ms,
            "root_hash": _b64(self.root_hash),
            "log_id": _b64(self.key_id),
            "signature_algorithm": SIGNATURE_ALGORITHM,
            "signature": _b64(self.signature),
        }

    @classmethod
    def from_row(cls, row: AuditTreeHead) -> TreeHead:
        return cls(row.tree_size, row.timestamp_ms, row.root_hash, row.key_id, row.signature)


def _new_nodes(
    n: int, leaves: list[bytes], old: dict[tuple[int, int], bytes]
) -> dict[tuple[int, int], bytes]:
    """Every subtree completed by appending ``leaves`` to a tree of size ``n`` (levels >= 1).

    ``old`` holds the hashes of the frontier of ``n``: at each level at most one complete node
    still waits for its right sibling, and it is one of those.
    """
    made: dict[tuple[int, int], bytes] = {}
    cur, start, level = leaves, n, 0
    while len(cur) > 0:
        if start % 2 == 1:
            cur = [old[(level, start - 1)], *cur]
            start -= 1
        parents = [node_hash(cur[i], cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
        level, start = level + 1, start // 2
        for i, h in enumerate(parents):
            made[(level, start + i)] = h
        cur = parents
    return made


async def sequence_batch(
    session: AsyncSession, limit: int = SEQUENCE_BATCH, *, now: datetime | None = None
) -> int:
    """Sequence up to ``limit`` waiting entries in the caller's transaction; return how many.

    Takes the sequencer lock for the rest of the transaction: commit soon.
    """
    state = await repo.lock_state(session)
    if state is None:
        raise LogStateMissing("audit_state row is missing; run `tenohira audit verify`")
    waiting = await repo.unsequenced(session, limit)
    if not waiting:
        return 0
    n = state.tree_size
    old = await repo.get_hashes(session, frontier(n))
    leaves = [h for _, h in waiting]
    made = _new_nodes(n, leaves, old)
    big_n = n + len(leaves)
    known = {**old, **made, **{(0, n + i): h for i, h in enumerate(leaves)}}
    root = fold_right([known[k] for k in frontier(big_n)])
    await repo.assign_leaf_indices(session, [(eid, n + i) for i, (eid, _) in enumerate(waiting)])
    await repo.insert_nodes(session, ((lv, ix, h) for (lv, ix), h in made.items()))
    await repo.set_state(session, tree_size=big_n, root_hash=root, now=now or datetime.now(UTC))
    return len(waiting)


async def sequence(session: AsyncSession, *, limit: int = SEQUENCE_BATCH) -> int:
    """Sequence everything waiting, one batch per flush, in the caller's transaction; return how many."""
    total = 0
    while True:
        done = await sequence_batch(session, limit)
        total += done
        if done < limit:
            return total


async def tree_size(session: AsyncSession) -> int:
    """The size of the sequenced tree."""
    state = await repo.get_state(session)
    return 0 if state is None else state.tree_size


async def root_at(session: AsyncSession, size: int) -> bytes:
    """MTH of the first ``size`` leaves, from stored subtrees."""
    if size == 0:
        return EMPTY_ROOT
    keys = frontier(size)
    hashes = await repo.get_hashes(session, keys)
    if len(hashes) != len(keys):
        raise _beyond(size)
    return fold_right([hashes[k] for k in keys])


def _beyond(size: int) -> Problem:
    return Problem(
        status=400,
        slug="audit-tree-size-unknown",
        title="The log has no tree of that size yet",
        title_ja="その大きさの木はまだ記録されていません",
        detail=f"tree size {size} is larger than the sequenced log",
        detail_ja=f"木の大きさ {size} は記録済みのログより大きいです",
    )


def _bad_args(detail: str, detail_ja: str) -> Problem:
    return Problem(
        status=400,
        slug="audit-bad-proof-request",
        title="Proof request out of range",
        title_ja="証明の要求が範囲外です",
        detail=detail,
        detail_ja=detail_ja,
    )


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]


async def inclusion_proof(session: AsyncSession, leaf_index: int, size: int) -> InclusionProof:
    """PATH(leaf_index, D[size]) from O(log n) stored hashes (one query)."""
    if not 0 <= leaf_index < size:
        raise _bad_args(
            f"leaf_index must be within 0..tree_size-1 (got {leaf_index}, {size})",
            f"leaf_index は 0 以上 tree_size 未満にしてください（{leaf_index}, {size}）",
        )
    ranges = inclusion_ranges(leaf_index, size)
    parts = [perfect_subtrees(lo, hi) for lo, hi in ranges]
    wanted = {k for p in parts for k in p}
    wanted.add((0, leaf_index))
    hashes = await repo.get_hashes(session, wanted)
    if len(hashes) != len(wanted):
        raise _beyond(size)
    return InclusionProof(
        leaf_index, size, hashes[(0, leaf_index)], [fold_right([hashes[k] for k in p]) for p in parts]
    )


async def consistency_proof(session: AsyncSession, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) from stored hashes (one query)."""
    if not 0 <= first <= second:
        raise _bad_args(
            f"need 0 <= first <= second (got {first}, {second})",
            f"0 ≤ first ≤ second にしてください（{first}, {second}）",
        )
    parts = [perfect_subtrees(lo, hi) for lo, hi in consistency_ranges(first, second)]
    # The last leaf of ``second`` must exist even when no range covers it alone.
    wanted = {k for p in parts for k in p} | ({(0, second - 1)} if second else set())
    hashes = await repo.get_hashes(session, wanted)
    if len(hashes) != len(wanted):
        raise _beyond(second)
    return [fold_right([hashes[k] for k in p]) for p in parts]


def sign_tree_head(key: LogKey, size: int, root: bytes, timestamp_ms: int | None = None) -> TreeHead:
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    return TreeHead(size, ts, root, key.key_id, key.sign(tree_head_data(ts, size, root)))


async def produce_tree_head(session: AsyncSession, key: LogKey) -> TreeHead:
    """Sequence what waits, then sign and store a tree head of the whole log (in the caller's transaction)."""
    await sequence(session)
    state = await repo.get_state(session)
    if state is None:
        raise LogStateMissing("audit_state row is missing; run `tenohira audit verify`")
    head = sign_tree_head(key, state.tree_size, state.root_hash)
    await repo.add_tree_head(
        session,
        AuditTreeHead(
            tree_size=head.tree_size,
            timestamp_ms=head.timestamp_ms,
            root_hash=head.root_hash,
            key_id=head.key_id,
            signature=head.signature,
        ),
    )
    return head


async def latest_tree_head(session: AsyncSession) -> TreeHead | None:
    row = await repo.latest_tree_head(session)
    return None if row is None else TreeHead.from_row(row)
