"""``tenohira audit verify``: recompute the whole tree from storage and check every stored byte.

Checks, in order, stopping at the first inconsistency:
1. every entry's leaf hash equals the hash of its canonical leaf (so any changed field shows);
2. sequenced entries have the contiguous leaf indices 0..n-1 and n equals the state's tree size;
3. every stored subtree hash equals the hash of its two children (level 0 = the leaf hashes), and
   exactly the complete subtrees of an n-leaf tree are stored (none missing, none extra);
4. the state's root equals the recomputed root;
5. every signed tree head is signed by the log key over its own size, time and root, that root
   equals the recomputed root of that size, and sizes never shrink from one head to the next;
6. every *published* head (the latest a witness cosigned, heads in open-data releases or on a
   resident's device, stored cosignatures — gathered by :mod:`tenohira.audit.published`) is within
   the stored tree, has the recomputed root at its size, and is one of the stored signed tree heads.
   A log checked only against itself cannot see a deleted newest head, or all heads deleted and an
   entry rewritten with every hash recomputed; what others hold can.
Level by level, so memory stays small however large the log is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import repository as repo
from tenohira.audit.keys import LogKey, tree_head_data
from tenohira.audit.leaf import entry_leaf_hash
from tenohira.audit.merkle import EMPTY_ROOT, fold_right, frontier, node_hash
from tenohira.audit.models import AuditEntry, AuditNode
from tenohira.core.db import Database
from tenohira.core.progress import ProgressFn, no_progress

CHUNK = 20_000


@dataclass
class VerifyReport:
    """What ``audit verify`` found: ``ok`` and, if not, the first inconsistency."""

    ok: bool = True
    problem: str | None = None
    tree_size: int = 0
    entries_checked: int = 0
    nodes_checked: int = 0
    tree_heads_checked: int = 0
    published_checked: int = 0
    root_hash: bytes = EMPTY_ROOT
    notes: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> VerifyReport:
        self.ok = False
        self.problem = problem
        return self


@dataclass(frozen=True)
class PublishedHead:
    """A head of this log held outside its storage: where it was found, its size and root."""

    source: str
    tree_size: int
    root_hash: bytes


class _Stop(Exception):
    pass


async def verify_log(
    db: Database,
    key: LogKey,
    progress: ProgressFn = no_progress,
    published: Sequence[PublishedHead] = (),
) -> VerifyReport:
    """Recompute the log from storage and report the first inconsistency (read-only)."""
    async with db.session() as session:
        report = await verify_session(session, key, progress, published)
        await session.rollback()
    return report


async def verify_session(
    session: AsyncSession,
    key: LogKey,
    progress: ProgressFn = no_progress,
    published: Sequence[PublishedHead] = (),
) -> VerifyReport:
    """:func:`verify_log` over an open session (sees that session's own uncommitted changes)."""
    report = VerifyReport()
    try:
        await _verify(session, key, report, progress, published)
    except _Stop:
        pass
    except Exception as exc:  # unreadable rows (wrong types, bad JSON) are an inconsistency too
        report.fail(f"the log's storage could not be read: {type(exc).__name__}: {exc}")
    return report


async def _verify(
    session: AsyncSession,
    key: LogKey,
    report: VerifyReport,
    progress: ProgressFn,
    published: Sequence[PublishedHead],
) -> None:
    state = await repo.get_state(session)
    if state is None:
        raise _Stop(report.fail("the state row (audit_state id=1) is missing"))
    total = int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    # 1 + 2: every entry's content against its leaf hash; leaf indices contiguous.
    last_id, expected_index, sequenced = 0, 0, 0
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(CHUNK)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for e in rows:
            recomputed = entry_leaf_hash(
                type=e.type,
                actor=e.actor,
                subject=e.subject,
                time=e.created_at,
                digest=e.payload_digest,
                attributes=e.attributes,
            )
            if recomputed != e.leaf_hash:
                raise _Stop(
                    report.fail(f"entry id={e.id} (leaf {e.leaf_index}): fields do not match its leaf hash")
                )
            if e.leaf_index is not None:
                sequenced += 1
        last_id = rows[-1].id
        report.entries_checked += len(rows)
        session.expunge_all()
        progress("audit: entries", report.entries_checked, total)

    last_index = -1
    while True:
        indices: list[int | None] = list(
            await session.scalars(
                select(AuditEntry.leaf_index)
                .where(AuditEntry.leaf_index > last_index)
                .order_by(AuditEntry.leaf_index)
                .limit(CHUNK)
            )
        )
        if not indices:
            break
        for li in indices:
            if li != expected_index:
                raise _Stop(report.fail(f"leaf index {expected_index} is missing (next stored is {li})"))
            expected_index += 1
        last_index = expected_index - 1
    negative = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.leaf_index < 0)
    )
    if negative:
        raise _Stop(report.fail("an entry has a negative leaf index"))
    n = expected_index
    report.tree_size = n
    if n != state.tree_size:
        raise _Stop(report.fail(f"state says tree size {state.tree_size} but {n} entries are sequenced"))

    # 3: stored subtrees, level by level, each against its children.
    expected_nodes = sum(n >> lv for lv in range(1, n.bit_length() + 1))
    stored_nodes = int(await session.scalar(select(func.count()).select_from(AuditNode)) or 0)
    level = 1
    while (n >> level) > 0:
        count = n >> level
        start = 0
        while start < count:
            end = min(start + CHUNK, count)
            children = await _level_hashes(session, level - 1, 2 * start, 2 * end)
            parents = await _level_hashes(session, level, start, end)
            for i in range(start, end):
                left, right = children[2 * (i - start)], children[2 * (i - start) + 1]
                assert left is not None and right is not None  # the level below was checked complete
                want = node_hash(left, right)
                got = parents[i - start]
                if got is None:
                    raise _Stop(report.fail(f"stored subtree (level {level}, index {i}) is missing"))
                if got != want:
                    raise _Stop(
                        report.fail(f"stored subtree (level {level}, index {i}) does not match its children")
                    )
            report.nodes_checked += end - start
            progress("audit: subtrees", report.nodes_checked, expected_nodes)
            start = end
        level += 1
    if stored_nodes != expected_nodes:
        raise _Stop(
            report.fail(f"{stored_nodes} subtrees are stored but a tree of {n} leaves has {expected_nodes}")
        )

    # 4: the state's root.
    root = await _root(session, n)
    report.root_hash = root
    if root != state.root_hash:
        raise _Stop(report.fail("the state's root hash does not match the recomputed tree"))

    # 5: signed tree heads.
    after, previous_size = 0, 0
    signed: set[tuple[int, bytes]] = set()
    while True:
        heads = await repo.tree_heads(session, after_id=after)
        if not heads:
            break
        for h in heads:
            where = f"signed tree head id={h.id} (size {h.tree_size})"
            if h.key_id != key.key_id:
                raise _Stop(report.fail(f"{where}: signed by another key"))
            if not key.verify(h.signature, tree_head_data(h.timestamp_ms, h.tree_size, h.root_hash)):
                raise _Stop(report.fail(f"{where}: signature does not verify"))
            if h.tree_size > n:
                raise _Stop(report.fail(f"{where}: larger than the stored tree ({n})"))
            if h.tree_size < previous_size:
                raise _Stop(report.fail(f"{where}: smaller than the head before it ({previous_size})"))
            if await _root(session, h.tree_size) != h.root_hash:
                raise _Stop(report.fail(f"{where}: root does not match the recomputed tree of that size"))
            previous_size = h.tree_size
            signed.add((h.tree_size, bytes(h.root_hash)))
            report.tree_heads_checked += 1
        after = heads[-1].id

    # 6: heads held by others (witnesses, open data, residents) against storage.
    for p in published:
        where = f"{p.source} holds tree size {p.tree_size}"
        if p.tree_size > n:
            raise _Stop(report.fail(f"{where} but the stored log has only {n} entries: it was rolled back"))
        if await _root(session, p.tree_size) != p.root_hash:
            raise _Stop(
                report.fail(f"{where} with another root than the stored entries give: entries were rewritten")
            )
        if (p.tree_size, p.root_hash) not in signed:
            raise _Stop(report.fail(f"{where} but no stored signed tree head has it: heads were deleted"))
        report.published_checked += 1


async def _level_hashes(session: AsyncSession, level: int, start: int, end: int) -> list[bytes | None]:
    """Stored hashes of ``level`` for indices ``start..end-1`` (None where missing)."""
    out: list[bytes | None] = [None] * (end - start)
    if level == 0:
        rows = await session.execute(
            select(AuditEntry.leaf_index, AuditEntry.leaf_hash).where(
                AuditEntry.leaf_index >= start, AuditEntry.leaf_index < end
            )
        )
    else:
        rows = await session.execute(
            select(AuditNode.index, AuditNode.hash).where(
                AuditNode.level == level, AuditNode.index >= start, AuditNode.index < end
            )
        )
    for ix, h in rows:
        out[int(ix or 0) - start] = bytes(h)
    return out


async def _root(session: AsyncSession, size: int) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    keys = frontier(size)
    hashes = await repo.get_hashes(session, keys)
    return fold_right([hashes[k] for k in keys])
