"""The municipality's glue: registry records → columns → the same decisions as single mode."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from tenohira.agencies.municipality.screening import population_from_residents
from tenohira.rules import Household, evaluate, explain

ON = date(2026, 11, 26)


def record(rid: str, household: str, relation: str, born: str, sex: str, **kw: Any) -> SimpleNamespace:
    base = {"insurance": "nhi", "employment_insured": False, "annual_income": 0, "expecting_due_date": None}
    return SimpleNamespace(
        id=rid,
        household_id=household,
        relation=relation,
        birth_date=date.fromisoformat(born),
        sex=sex,
        **{**base, **kw},
    )


def test_registry_records_screen_like_household_documents() -> None:
    records = [
        record("R3", "H1", "child", "2026-11-10", "male"),
        record(
            "R1",
            "H1",
            "head",
            "1988-01-10",
            "male",
            insurance="employee",
            employment_insured=True,
            annual_income=5_000_000,
        ),
        record("R2", "H1", "spouse", "1990-04-10", "female", insurance="employee", annual_income=3_000_000),
        record("R4", "H1", "child", "2015-06-02", "female"),
        record("R5", "H2", "head", "1992-02-02", "female", annual_income=1_200_000),
        record("R6", "H2", "child", "2019-04-01", "male"),
        record("R7", "H3", "head", "1950-01-01", "male", annual_income=2_000_000),
    ]
    pop = population_from_residents(records, "990019")  # type: ignore[arg-type]
    results = evaluate(pop, ON)
    assert pop.households == 3 and bool(pop.hh_single_parent[1]) and not pop.hh_single_parent[0]
    for i in range(pop.households):
        doc: Household = pop.household_document(i)
        e = explain(doc, ON)
        for b in e.benefits:
            amount = b.monthly_amount if b.kind == "monthly" else b.amount
            if b.kind == "in_kind":
                amount = b.details.get("covered_children", 0)
            assert (bool(results.eligible[b.id][i]), int(results.amount[b.id][i])) == (
                b.eligible,
                amount or 0,
            )
    assert int(results.amount["child_allowance"][0]) == 25_000  # 10,000 + 15,000
    assert int(results.amount["single_parent_allowance"][1]) == 46_690  # full: income under the limit
