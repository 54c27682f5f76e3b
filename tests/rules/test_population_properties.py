"""Property test: for any small household and date, population mode == single-household mode."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenohira.rules import Household, Population, evaluate, explain

days = st.dates(min_value=date(1940, 1, 1), max_value=date(2027, 12, 31))
on_dates = st.dates(min_value=date(2012, 4, 1), max_value=date(2027, 12, 31))

member = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["parent", "child", "other"]),
        "birth_date": days,
        "sex": st.sampled_from(["female", "male", None]),
        "insurance": st.sampled_from(["employee", "nhi", "none"]),
        "employment_insured": st.booleans(),
        "annual_income": st.sampled_from(
            [0, 1_030_000, 1_300_000, 2_080_000, 6_220_000, 9_000_000, 20_000_000]
        ),
        "supported": st.booleans(),
        "birth_weight_g": st.sampled_from([None, 2000, 2001]),
        "disabled": st.booleans(),
        "expecting_due_date": st.one_of(st.none(), days),
        "expected_babies": st.integers(1, 3),
        "pregnancy_ended_on": st.one_of(st.none(), days),
        "childcare_leave_days": st.sampled_from([0, 13, 14, 40]),
        "birth_leave_days": st.sampled_from([0, 1, 28]),
        "reduced_hours_monthly_wage": st.sampled_from([None, 0, 200_000, 500_000]),
        "insured_person": st.sampled_from([None, True, False]),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.lists(member, min_size=1, max_size=6),
    single_parent=st.booleans(),
    municipality=st.sampled_from(["990019", "990027", "131016"]),
    on=on_dates,
)
def test_any_household_same_in_both_modes(
    members: list[dict[str, Any]], single_parent: bool, municipality: str, on: date
) -> None:
    doc = Household.model_validate(
        {
            "municipality": municipality,
            "single_parent": single_parent,
            "members": [{**m, "id": f"m{i}"} for i, m in enumerate(members)],
        }
    )
    results = evaluate(Population.from_households([doc]), on)
    for b in explain(doc, on).benefits:
        if b.kind == "in_kind":
            want = int(b.details.get("covered_children", 0))
        else:
            want = int((b.monthly_amount if b.kind == "monthly" else b.amount) or 0)
        assert (bool(results.eligible[b.id][0]), int(results.amount[b.id][0])) == (b.eligible, want), b.id
