"""Every query of the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit.models import AuditEntry, AuditNode, AuditState, AuditTreeHead

STATE_ID = 1

NodeKey = tuple[int, int]


async def lock_state(session: AsyncSession) -> AuditState | None:
    """Take the sequencer lock (a no-op UPDATE of the state row) and return the state.

    Writing first makes SQLite take its write lock at once (no deadlock on a later upgrade) and
    makes PostgreSQL hold the row lock until commit, so only one sequencer runs at a time.
    """
    await session.execute(
        update(AuditState).where(AuditState.id == STATE_ID).values(tree_size=AuditState.tree_size)
    )
    return await get_state(session)


async def get_state(session: AsyncSession) -> AuditState | None:
    """The state row (tree size and root of the sequenced tree)."""
    return (
        await session.execute(
            select(AuditState).where(AuditState.id == STATE_ID).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def insert_state(session: AsyncSession, *, root_hash: bytes, now: datetime) -> None:
    await session.execute(
        insert(AuditState).values(id=STATE_ID, tree_size=0, root_hash=root_hash, updated_at=now)
    )


async def set_state(session: AsyncSession, *, tree_size: int, root_hash: bytes, now: datetime) -> None:
    await session.execute(
        update(AuditState)
        .where(AuditState.id == STATE_ID)
        .values(tree_size=tree_size, root_hash=root_hash, updated_at=now)
    )


async def unsequenced(session: AsyncSession, limit: int) -> list[tuple[int, bytes]]:
    """``(id, leaf_hash)`` of entries without a leaf index yet, oldest first."""
    rows = await session.execute(
        select(AuditEntry.id, AuditEntry.leaf_hash)
        .where(AuditEntry.leaf_index.is_(None))
        .order_by(AuditEntry.id)
        .limit(limit)
    )
    return [(r[0], r[1]) for r in rows]


async def any_unsequenced(session: AsyncSession) -> bool:
    """Whether any entry waits for a leaf index (cheap: stops at the first)."""
    found = await session.scalar(select(AuditEntry.id).where(AuditEntry.leaf_index.is_(None)).limit(1))
    return found is not None


async def count_unsequenced(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.leaf_index.is_(None))
        )
        or 0
    )


async def assign_leaf_indices(session: AsyncSession, pairs: Sequence[tuple[int, int]]) -> None:
    """Set ``leaf_index`` for ``(entry id, leaf index)`` pairs (executemany)."""
    conn = await session.connection()
    if conn.dialect.name == "sqlite":  # the embedded hot path: straight through the driver
        await conn.exec_driver_sql(
            "UPDATE audit_entries SET leaf_index = ? WHERE id = ?", [(li, eid) for eid, li in pairs]
        )
        return
    table = cast(Table, AuditEntry.__table__)
    await session.execute(
        update(table).where(table.c.id == bindparam("eid")).values(leaf_index=bindparam("li")),
        [{"eid": eid, "li": li} for eid, li in pairs],
        execution_options={"synchronize_session": False},
    )


async def insert_nodes(session: AsyncSession, nodes: Iterable[tuple[int, int, bytes]]) -> None:
    rows = list(nodes)
    if not rows:
        return
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql('INSERT INTO audit_nodes (level, "index", hash) VALUES (?, ?, ?)', rows)
        return
    await session.execute(
        insert(cast(Table, AuditNode.__table__)),
        [{"level": lv, "index": ix, "hash": h} for lv, ix, h in rows],
    )


async def get_hashes(session: AsyncSession, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of complete subtrees ``(level, index)``: level 0 from entries, others from nodes.

    One round trip whatever the mix, because proofs are latency-bound. The SQL is written out
    rather than built with expressions: building ~40 comparisons costs more than the query. Only
    Python ints are interpolated (``int()`` below), so there is nothing to inject.
    """
    leaves = sorted({int(ix) for lv, ix in keys if lv == 0})
    inner = sorted({(int(lv), int(ix)) for lv, ix in keys if lv > 0})
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        # PostgreSQL plans a long OR slowly; a join against unnested key arrays is index probes
        # with almost no planning (4x faster at 20 keys).
        result = await conn.exec_driver_sql(
            "SELECT 0, leaf_index, leaf_hash FROM audit_entries WHERE leaf_index = ANY($1::bigint[])"
            ' UNION ALL SELECT n.level, n."index", n.hash FROM unnest($2::smallint[], $3::bigint[])'
            ' AS k(l, i) JOIN audit_nodes n ON n.level = k.l AND n."index" = k.i',
            (leaves, [lv for lv, _ in inner], [ix for _, ix in inner]),
        )
        rows: list[Any] = list(result)
        return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}
    parts: list[str] = []
    if leaves:
        parts.append(
            "SELECT 0, leaf_index, leaf_hash FROM audit_entries WHERE leaf_index IN ("  # noqa: S608
            + ",".join(str(ix) for ix in leaves)
            + ")"
        )
    if inner:
        # OR of equalities, not a row-value IN: SQLite plans the latter as a full scan, the former as
        # one primary-key probe per term (PostgreSQL: a BitmapOr of index probes).
        parts.append(
            'SELECT level, "index", hash FROM audit_nodes WHERE '  # noqa: S608
            + " OR ".join(f'(level = {lv} AND "index" = {ix})' for lv, ix in inner)
        )
    if not parts:
        return {}
    result = await conn.exec_driver_sql(" UNION ALL ".join(parts))
    rows = list(result)
    return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}


async def entry_by_leaf_index(session: AsyncSession, leaf_index: int) -> AuditEntry | None:
    return (
        await session.execute(select(AuditEntry).where(AuditEntry.leaf_index == leaf_index))
    ).scalar_one_or_none()


async def entries_by_leaf_range(session: AsyncSession, start: int, end: int) -> list[AuditEntry]:
    """Sequenced entries with ``start <= leaf_index < end``, in order."""
    rows = await session.execute(
        select(AuditEntry)
        .where(AuditEntry.leaf_index >= start, AuditEntry.leaf_index < end)
        .order_by(AuditEntry.leaf_index)
    )
    return list(rows.scalars())


async def entries_by_subject(session: AsyncSession, subject: str, limit: int) -> list[AuditEntry]:
    rows = await session.execute(
        select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.id.desc()).limit(limit)
    )
    return list(rows.scalars())


async def latest_tree_head(session: AsyncSession) -> AuditTreeHead | None:
    return (
        await session.execute(select(AuditTreeHead).order_by(AuditTreeHead.id.desc()).limit(1))
    ).scalar_one_or_none()


async def add_tree_head(session: AsyncSession, head: AuditTreeHead) -> None:
    session.add(head)
    await session.flush()


async def tree_heads(session: AsyncSession, *, after_id: int = 0, limit: int = 1000) -> list[AuditTreeHead]:
    rows = await session.execute(
        select(AuditTreeHead).where(AuditTreeHead.id > after_id).order_by(AuditTreeHead.id).limit(limit)
    )
    return list(rows.scalars())
