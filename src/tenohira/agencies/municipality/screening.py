"""Screening the registry with the rules: residents → columns → ``tenohira.rules.screen``.

This glue lives with the municipality (agencies may use the shared rules library) so that the
rules package itself never imports agency code — the palm imports rules, and the palm must not
reach agency code even indirectly. ``tenohira rules screen --municipality CODE`` calls
:func:`screen_municipality` by import path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date

import numpy as np

from tenohira.agencies.municipality import ResidentRecord, list_residents
from tenohira.core.config import get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.core.progress import ProgressFn, no_progress
from tenohira.rules import (
    INSURANCE_EMPLOYEE,
    INSURANCE_NHI,
    NO_DATE,
    ROLE_CHILD,
    ROLE_OTHER,
    ROLE_PARENT,
    Population,
    ScreenReport,
    screen,
)

PAGE = 5000
_PARENT_RELATIONS = {"head", "spouse"}
_EPOCH = date(1970, 1, 1).toordinal()


def _days(d: date) -> int:
    return d.toordinal() - _EPOCH


def population_from_residents(records: Sequence[ResidentRecord], municipality: str) -> Population:
    """Columns for the rules from registry records (head and spouse are the parents)."""
    ordered = sorted(
        records,
        key=lambda r: (r.household_id, 0 if r.relation in _PARENT_RELATIONS else 1, r.birth_date, r.id),
    )
    household_ids = sorted({r.household_id for r in ordered})
    index = {h: i for i, h in enumerate(household_ids)}
    hh = np.array([index[r.household_id] for r in ordered], dtype=np.int64)
    role = np.array(
        [
            ROLE_PARENT
            if r.relation in _PARENT_RELATIONS
            else ROLE_CHILD
            if r.relation == "child"
            else ROLE_OTHER
            for r in ordered
        ],
        dtype=np.int8,
    )
    h = len(household_ids)
    parents = np.bincount(hh[role == ROLE_PARENT], minlength=h)
    children = np.bincount(hh[role == ROLE_CHILD], minlength=h)
    return Population.from_columns(
        household=hh,
        role=role,
        birth=[_days(r.birth_date) for r in ordered],
        municipalities=[municipality],
        # The registry does not record marital status: one parent with children is taken as a single parent.
        hh_single_parent=(parents == 1) & (children > 0),
        member_ids=[r.id for r in ordered],
        female=[r.sex == "female" for r in ordered],
        insurance=[INSURANCE_EMPLOYEE if r.insurance == "employee" else INSURANCE_NHI for r in ordered],
        employment_insured=[r.employment_insured for r in ordered],
        income=[r.annual_income for r in ordered],
        due=[_days(r.expecting_due_date) if r.expecting_due_date else NO_DATE for r in ordered],
    )


async def screen_municipality(
    municipality: str, on: date, progress: ProgressFn = no_progress
) -> ScreenReport:
    """Screen every current resident of the demo municipality's registry on ``on``."""
    settings = get_settings()
    if municipality != settings.municipality_code:
        raise Problem(
            status=404,
            slug="unknown-municipality",
            title="Unknown municipality",
            title_ja="この市町村の住民記録はありません",
            detail=f"this platform holds the registry of {settings.municipality_code} only",
            detail_ja=f"この基盤が持つ住民記録は {settings.municipality_code} のみです",
        )
    t0 = time.perf_counter()
    records: list[ResidentRecord] = []
    db = get_database(settings)
    async with db.session() as session:
        while True:
            page = await list_residents(session, limit=PAGE, offset=len(records))
            records.extend(page)
            progress("reading the registry", len(records), len(records) + (PAGE if len(page) == PAGE else 0))
            if len(page) < PAGE:
                break
    pop = population_from_residents(records, municipality)
    building = time.perf_counter() - t0
    return screen(pop, on, source=f"registry:{municipality}", seconds_building=building, progress=progress)
