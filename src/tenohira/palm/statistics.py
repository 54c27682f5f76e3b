"""Counts of applications for open data: filed and decided per month, and processing time.

Only counts and durations leave this module, never an application or a person; the
open-data publisher applies disclosure control before anything is published.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.opendata import CountTable, DurationSample, register_statistics
from tenohira.palm.applications import DECIDED, SUBMITTED
from tenohira.palm.models import Application, HistoryEntry


def _months_up_to(reference: date, n: int = 12) -> list[str]:
    y, m = reference.year, reference.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return sorted(out)


async def _transitions(session: AsyncSession, to_state: str) -> list[tuple[str, str, datetime]]:
    rows = await session.execute(
        select(HistoryEntry.application_id, Application.procedure_id, HistoryEntry.at)
        .join(Application, Application.id == HistoryEntry.application_id)
        .where(HistoryEntry.to_state == to_state)
    )
    return [(a, p, at) for a, p, at in rows]


async def applications_by_month(session: AsyncSession, to_state: str, reference: date) -> dict[str, Any]:
    """Applications that reached ``to_state`` (submitted or decided) per procedure and month."""
    months = _months_up_to(reference)
    seen: set[str] = set()
    counts: Counter[tuple[str, str]] = Counter()
    for app_id, procedure, at in sorted(await _transitions(session, to_state), key=lambda t: t[2]):
        if app_id in seen:  # the first time it got there counts
            continue
        seen.add(app_id)
        month = at.strftime("%Y-%m")
        if month in months:
            counts[(procedure, month)] += 1
    procedures = sorted({p for p, _ in counts})
    return {
        "row_label": "procedure",
        "column_label": "month",
        "rows": procedures,
        "columns": months,
        "counts": [[counts[(p, m)] for m in months] for p in procedures],
    }


async def processing_days(session: AsyncSession) -> dict[str, list[float]]:
    """Days from submission to decision, per procedure."""
    submitted = {
        a: at for a, _, at in sorted(await _transitions(session, SUBMITTED), key=lambda t: t[2])[::-1]
    }
    out: defaultdict[str, list[float]] = defaultdict(list)
    done: set[str] = set()
    for app_id, procedure, at in sorted(await _transitions(session, DECIDED), key=lambda t: t[2]):
        if app_id in done or app_id not in submitted:
            continue
        done.add(app_id)
        out[procedure].append(max(0.0, (at - submitted[app_id]).total_seconds() / 86400))
    return dict(out)


class PalmStatistics:
    """The open-data publisher's source of the palm's counts: applications filed and decided
    per procedure and month, and processing times (registered below; see
    ``tenohira.opendata.sources.register_statistics``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def count_table(self, name: str, reference_date: date) -> CountTable | None:
        states = {"applications_filed_by_month": SUBMITTED, "applications_decided_by_month": DECIDED}
        if name not in states:
            return None
        async with get_database(self.settings).session() as session:
            d = await applications_by_month(session, states[name], reference_date)
        return CountTable(d["row_label"], d["column_label"], list(d["rows"]), list(d["columns"]), d["counts"])

    async def durations(self, name: str, reference_date: date) -> DurationSample | None:
        if name != "processing_days_by_procedure":
            return None
        async with get_database(self.settings).session() as session:
            return DurationSample("procedure", await processing_days(session))


register_statistics("palm", PalmStatistics)
