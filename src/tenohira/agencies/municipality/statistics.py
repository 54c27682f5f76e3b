"""Counts for open data, computed where the data is: only aggregates leave the municipality.

The open-data publisher asks through the hub (service ``municipality.statistics``, no person
named) and applies disclosure control before publishing; this module never returns a record,
a name or an identifier, only tables of counts. Small counts do leave (to the publisher
only, logged by the hub) because suppression needs the true values to protect totals.
"""

import datetime as dt
from collections import Counter, defaultdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import LazyHubProvider
from tenohira.agencies.municipality.intake_models import ReceivedApplication
from tenohira.agencies.municipality.registration import RULES_DECIDED
from tenohira.agencies.municipality.repository import ResidentRecord, page
from tenohira.agencies.municipality.screening import population_from_residents
from tenohira.core.clock import today_jst
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.hub import HubRequest
from tenohira.rules import screen

TABLES = ("births_by_month_district", "population_by_age_band_district", "benefit_take_up")
AGE_BANDS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]
PAGE = 5000
COUNTED = ("approved", "accepted", "queued")


def _months_before(reference: date, n: int = 12) -> list[str]:
    y, m = reference.year, reference.month
    out = []
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y:04d}-{m:02d}")
    return sorted(out)


def _age_band(age: int) -> str:
    return "85+" if age >= 85 else AGE_BANDS[age // 5]


async def _residents(session: AsyncSession, settings: Settings) -> list[ResidentRecord]:
    records: list[ResidentRecord] = []
    while True:
        batch = await page(session, limit=PAGE, offset=len(records))
        records.extend(batch)
        if len(batch) < PAGE:
            return records


def births_by_month_district(records: list[ResidentRecord], reference: date) -> dict[str, Any]:
    """Residents born in each of the 12 full months before ``reference``, by 町字."""
    months = _months_before(reference)
    districts = sorted({r.district for r in records})
    counts: Counter[tuple[str, str]] = Counter(
        (r.district, r.birth_date.strftime("%Y-%m"))
        for r in records
        if r.birth_date.strftime("%Y-%m") in months
    )
    return {
        "row_label": "district",
        "column_label": "month",
        "rows": districts,
        "columns": months,
        "counts": [[counts[(d, m)] for m in months] for d in districts],
    }


def population_by_age_band_district(records: list[ResidentRecord], reference: date) -> dict[str, Any]:
    """Current residents by 町字 and five-year age band on ``reference``."""
    districts = sorted({r.district for r in records})
    counts: Counter[tuple[str, str]] = Counter(
        (r.district, _age_band(r.age_on(reference))) for r in records if r.status == "resident"
    )
    return {
        "row_label": "district",
        "column_label": "age_band",
        "rows": districts,
        "columns": AGE_BANDS,
        "counts": [[counts[(d, b)] for b in AGE_BANDS] for d in districts],
    }


async def benefit_take_up(
    session: AsyncSession, settings: Settings, records: list[ResidentRecord], reference: date
) -> dict[str, Any]:
    """Per benefit decided here: households the rules find eligible, and households that claimed.

    Claims are households with an application for the benefit's procedure (approved, accepted or
    waiting for staff). A claim by a household the rules no longer find eligible still counts as
    a claim, so take-up can exceed what the current screening says; the publisher shows both.
    """
    current = [r for r in records if r.status == "resident"]
    report = screen(population_from_residents(current, settings.municipality_code), reference)
    household_of = {r.id: r.household_id for r in records}
    by_procedure = RULES_DECIDED
    claimed: defaultdict[str, set[str]] = defaultdict(set)
    rows = await session.execute(
        select(ReceivedApplication.procedure, ReceivedApplication.resident_id).where(
            ReceivedApplication.status.in_(COUNTED)
        )
    )
    for procedure, resident_id in rows:
        benefit = by_procedure.get(procedure)
        if benefit and resident_id in household_of:
            claimed[benefit].add(household_of[resident_id])
    benefits = sorted(set(by_procedure.values()) & set(report.benefits))
    return {
        "row_label": "benefit",
        "column_label": "measure",
        "rows": benefits,
        "columns": ["eligible", "claimed"],
        "counts": [[report.benefits[b]["eligible_households"], len(claimed[b])] for b in benefits],
    }


async def count_table(
    session: AsyncSession, settings: Settings, name: str, reference: date
) -> dict[str, Any]:
    """The named table of counts as of ``reference``."""
    if name not in TABLES:
        raise Problem(
            404,
            "unknown-statistics-table",
            "Unknown statistics table",
            "その統計表はありません",
            detail=f"known tables: {', '.join(TABLES)}",
        )
    records = await _residents(session, settings)
    if name == "births_by_month_district":
        return births_by_month_district(records, reference)
    if name == "population_by_age_band_district":
        return population_by_age_band_district(records, reference)
    return await benefit_take_up(session, settings, records, reference)


async def applications_received(session: AsyncSession) -> int:
    """How many applications the municipality has received (for operators' checks)."""
    return int(await session.scalar(select(func.count()).select_from(ReceivedApplication)) or 0)


class StatisticsQuery(BaseModel):
    """Which table, as of which date (default: today)."""

    table: str = Field(max_length=64)
    date: dt.date | None = None


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """``POST /services/statistics {table, date}`` for the open-data publisher (through the hub)."""
    router = APIRouter(prefix="/services", tags=["municipality"])

    @router.post("/statistics")
    async def statistics(
        hub: Annotated[HubRequest, Depends(gate.request)], query: StatisticsQuery
    ) -> dict[str, Any]:
        """A table of counts (no person-level data)."""
        async with get_database(settings).session() as session:
            return await count_table(session, settings, query.table, query.date or today_jst())

    return router
