"""``audit verify`` finds any changed stored byte (tampering done with SQL, as an intruder would)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tenohira.audit import AuditEvent, append_event, append_events
from tenohira.audit.keys import LogKey
from tenohira.audit.log import produce_tree_head
from tenohira.audit.verify import VerifyReport, verify_log, verify_session


async def _build(db: Any, key: LogKey) -> None:
    async with db.session() as s:
        await append_events(
            s,
            [
                AuditEvent(
                    type="card:auth:success",
                    actor=f"card:{i:04X}",
                    subject=f"member:m{i % 3}",
                    payload=f"p{i}".encode(),
                    attributes={"outcome": "ok", "n": str(i)},
                )
                for i in range(21)
            ],
        )
    async with db.session() as s:
        await produce_tree_head(s, key)
    async with db.session() as s:
        await append_events(s, [AuditEvent(type="hub:exchange", actor=f"m{i}") for i in range(12)])
    async with db.session() as s:
        await produce_tree_head(s, key)
    async with db.session() as s:  # one entry still waiting for the sequencer
        await append_event(s, type="late:entry", actor="x", attributes={"k": "v"})


async def _tamper(db: Any, sql: str) -> None:
    async with db.engine.begin() as conn:
        result = await conn.execute(text(sql))
        assert result.rowcount == 1, f"tamper statement changed {result.rowcount} rows: {sql}"


async def _tampered_report(
    db: Any, key: LogKey, statements: list[tuple[str, dict[str, Any]]]
) -> VerifyReport:
    """Apply ``statements`` in a transaction, verify inside it, roll back: the log is intact again."""
    from sqlalchemy.ext.asyncio import AsyncSession

    async with db.engine.connect() as conn:
        trans = await conn.begin()
        try:
            for sql, params in statements:
                result = await conn.execute(text(sql), params)
                assert result.rowcount == 1, f"tamper statement changed {result.rowcount} rows: {sql}"
            async with AsyncSession(bind=conn) as session:
                return await verify_session(session, key)
        finally:
            await trans.rollback()


async def test_untouched_log_verifies(migrated_db: Any, log_key: LogKey) -> None:
    await _build(migrated_db, log_key)
    report = await verify_log(migrated_db, log_key)
    assert report.ok, report.problem
    assert report.entries_checked == 34
    assert report.tree_size == 33
    assert report.tree_heads_checked == 2
    assert report.nodes_checked == 16 + 8 + 4 + 2 + 1


TAMPERING = {
    "entry type": ("UPDATE audit_entries SET type = 'card:auth:failure' WHERE leaf_index = 3", "leaf hash"),
    "entry actor": ("UPDATE audit_entries SET actor = 'card:FFFF' WHERE leaf_index = 0", "leaf hash"),
    "entry subject": ("UPDATE audit_entries SET subject = NULL WHERE leaf_index = 20", "leaf hash"),
    "entry attributes": (
        """UPDATE audit_entries SET attributes = '{"outcome": "ng", "n": "5"}' WHERE leaf_index = 5""",
        "leaf hash",
    ),
    "waiting entry": ("UPDATE audit_entries SET actor = 'y' WHERE leaf_index IS NULL", "leaf hash"),
    "swapped leaf index": ("UPDATE audit_entries SET leaf_index = 40 WHERE leaf_index = 32", "missing"),
    "state size": ("UPDATE audit_state SET tree_size = 32", "state says"),
    "tree head size": ("UPDATE audit_tree_heads SET tree_size = 20 WHERE tree_size = 21", "signature"),
    "tree head time": (
        "UPDATE audit_tree_heads SET timestamp_ms = timestamp_ms + 1 WHERE tree_size = 21",
        "signature",
    ),
    "node removed": ("DELETE FROM audit_nodes WHERE level = 2 AND " + '"index"' + " = 3", "missing"),
    "node added": (
        "INSERT INTO audit_nodes (level, " + '"index"' + ", hash) VALUES (1, 99, X'00')",
        "subtrees are stored",
    ),
}


async def test_changed_rows_are_detected(migrated_db: Any, log_key: LogKey) -> None:
    await _build(migrated_db, log_key)
    for case, (sql, expected) in sorted(TAMPERING.items()):
        if not migrated_db.is_sqlite:
            sql = sql.replace("X'00'", "'\\x00'::bytea")
        report = await _tampered_report(migrated_db, log_key, [(sql, {})])
        assert not report.ok, case
        assert expected in (report.problem or ""), (case, report.problem)
    assert (await verify_log(migrated_db, log_key)).ok  # every change was rolled back


FLIPS = {
    "entry payload digest": ("payload_digest", "audit_entries", "leaf_index = 7", "leaf hash"),
    "entry leaf hash": ("leaf_hash", "audit_entries", "leaf_index = 12", "leaf hash"),
    "waiting entry leaf hash": ("leaf_hash", "audit_entries", "leaf_index IS NULL", "leaf hash"),
    "stored subtree level 1": (
        "hash",
        "audit_nodes",
        'level = 1 AND "index" = 5',
        "does not match its children",
    ),
    "stored subtree level 4": (
        "hash",
        "audit_nodes",
        'level = 4 AND "index" = 0',
        "does not match its children",
    ),
    "stored subtree level 5 (root)": ("hash", "audit_nodes", "level = 5", "does not match its children"),
    "state root": ("root_hash", "audit_state", "id = 1", "state's root"),
    "tree head root": ("root_hash", "audit_tree_heads", "tree_size = 33", "signature"),
    "tree head signature": ("signature", "audit_tree_heads", "tree_size = 21", "signature"),
    "tree head key id": ("key_id", "audit_tree_heads", "tree_size = 21", "another key"),
}


async def test_one_flipped_bit_is_detected(migrated_db: Any, log_key: LogKey) -> None:
    await _build(migrated_db, log_key)
    for case, (column, table, where, expected) in sorted(FLIPS.items()):
        async with migrated_db.engine.connect() as conn:
            rows = (await conn.execute(text(f"SELECT {column} FROM {table} WHERE {where}"))).all()
        assert len(rows) == 1, case
        value = bytearray(rows[0][0])
        value[0] ^= 1
        update = f"UPDATE {table} SET {column} = :v WHERE {where}"
        report = await _tampered_report(migrated_db, log_key, [(update, {"v": bytes(value)})])
        assert not report.ok, case
        assert expected in (report.problem or ""), (case, report.problem)
    assert (await verify_log(migrated_db, log_key)).ok


async def test_a_time_change_of_one_microsecond_is_detected(migrated_db: Any, log_key: LogKey) -> None:
    await _build(migrated_db, log_key)
    if migrated_db.is_sqlite:
        async with migrated_db.engine.begin() as conn:
            before = str(
                (
                    await conn.execute(text("SELECT created_at FROM audit_entries WHERE leaf_index = 9"))
                ).scalar()
            )
        after = before[:-1] + ("8" if before.endswith("9") else "9")
        sql = f"UPDATE audit_entries SET created_at = '{after}' WHERE leaf_index = 9"
    else:
        sql = (
            "UPDATE audit_entries SET created_at = created_at + interval '1 microsecond' WHERE leaf_index = 9"
        )
    await _tamper(migrated_db, sql)
    report = await verify_log(migrated_db, log_key)
    assert not report.ok and "leaf 9" in (report.problem or "")


async def test_a_consistent_rewrite_of_history_breaks_the_signed_heads(
    migrated_db: Any, log_key: LogKey
) -> None:
    """Rewriting an entry together with its leaf hash, subtrees and state still contradicts the old heads."""
    await _build(migrated_db, log_key)
    from sqlalchemy import select

    from tenohira.audit.leaf import entry_leaf_hash
    from tenohira.audit.merkle import fold_right, frontier, node_hash
    from tenohira.audit.models import AuditEntry

    async with migrated_db.session() as s:
        e = (await s.execute(select(AuditEntry).where(AuditEntry.leaf_index == 2))).scalar_one()
        e.actor = "card:EVIL"
        e.leaf_hash = entry_leaf_hash(
            type=e.type,
            actor=e.actor,
            subject=e.subject,
            time=e.created_at,
            digest=e.payload_digest,
            attributes=e.attributes,
        )
    # recompute every stored node and the state from the (rewritten) leaves, as a careful intruder would
    async with migrated_db.session() as s:
        leaves = [
            r[0]
            for r in await s.execute(
                select(AuditEntry.leaf_hash)
                .where(AuditEntry.leaf_index.is_not(None))
                .order_by(AuditEntry.leaf_index)
            )
        ]
        level, cur, nodes = 0, leaves, {}
        while len(cur) > 1:
            cur = [node_hash(cur[i], cur[i + 1]) for i in range(0, len(cur) - 1, 2)]
            level += 1
            for i, h in enumerate(cur):
                nodes[(level, i)] = h
        for (lv, ix), h in nodes.items():
            await s.execute(
                text('UPDATE audit_nodes SET hash = :h WHERE level = :l AND "index" = :i'),
                {"h": h, "l": lv, "i": ix},
            )
        allh = {**nodes, **{(0, i): h for i, h in enumerate(leaves)}}
        root = fold_right([allh[k] for k in frontier(len(leaves))])
        await s.execute(text("UPDATE audit_state SET root_hash = :r"), {"r": root})
    report = await verify_log(migrated_db, log_key)
    assert not report.ok
    assert "root does not match" in (report.problem or ""), report.problem
