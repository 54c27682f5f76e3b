"""The tally of strangers' refusals: bounded per period, one entry per source and kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tenohira.audit.models import AuditEntry
from tenohira.audit.refusals import MAX_PERIODS, MAX_SOURCES, OTHER_SOURCE, RefusalTally, source_of


def test_sources_are_networks() -> None:
    assert source_of("203.0.113.77") == "net:203.0.113.0/24"
    assert source_of("2001:db8:1234:5678::1") == "net:2001:db8:1234::/48"
    assert source_of("::ffff:198.51.100.9") == "net:198.51.100.0/24"
    assert source_of(None) == source_of("testclient") == "net:unknown"


def test_what_a_stranger_can_make_us_keep_is_bounded() -> None:
    tally = RefusalTally()
    t0 = 1_800_000_000 // 60 * 60
    for i in range(10 * MAX_SOURCES):  # a thousand networks knocking in one minute
        tally.note("hub:exchange", source_of(f"10.{i // 256}.{i % 256}.1"), "hub-unsigned", now=t0)
    (period,) = tally.periods.values()
    sources = {s for s, _ in period.counts}
    assert len(sources) == MAX_SOURCES + 1 and OTHER_SOURCE in sources
    assert tally.pending() == 10 * MAX_SOURCES  # nothing is lost: the rest is counted as "other"
    for minute in range(1, 3 * MAX_PERIODS):
        tally.note("hub:exchange", "net:x", "r", now=t0 + 60 * minute)
    assert len(tally.periods) == MAX_PERIODS and tally.dropped > 0


async def test_flush_writes_one_entry_per_source_and_kind_and_keeps_the_current_minute(
    migrated_db: Any,
) -> None:
    tally = RefusalTally()
    t0 = 1_800_000_000 // 60 * 60
    for n in range(200):
        tally.note("card:auth:failure", "net:192.0.2.0/24", f"reason-{n % 14}", now=t0 + 1)
    tally.note("hub:exchange", "net:192.0.2.0/24", "hub-unsigned", now=t0 + 2)
    tally.note("hub:exchange", "net:198.51.100.0/24", "hub-unsigned", now=t0 + 60)  # the next minute
    assert await tally.flush(migrated_db, now=t0 + 61) == 2
    async with migrated_db.session() as session:
        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(r.type, r.actor, r.attributes["kind"], r.attributes["count"]) for r in rows] == [
        ("audit:refusals", "net:192.0.2.0/24", "card:auth:failure", "200"),
        ("audit:refusals", "net:192.0.2.0/24", "hub:exchange", "1"),
    ]
    reasons = {k: int(v) for k, v in rows[0].attributes.items() if k.startswith("reason:")}
    assert len(reasons) == 11 and sum(reasons.values()) == 200  # ten named, the rest as "other"
    assert rows[0].attributes["period_start"] == "2027-01-15T08:00:00Z"
    assert tally.pending() == 1  # the unfinished minute waits
    assert await tally.flush(migrated_db, now=t0 + 61, everything=True) == 1
    async with migrated_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 3
