"""Population mode gives the same answer as the single-household mode, on thousands of households."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from tenohira.rules import (
    BENEFIT_IDS,
    Household,
    Population,
    evaluate,
    explain,
    load_parameters,
    screen,
    synthetic_population,
)

DATES = [
    date(2021, 9, 15),
    date(2023, 3, 31),
    date(2024, 9, 30),
    date(2024, 10, 1),
    date(2025, 4, 1),
    date(2026, 11, 26),
]


def random_date(rng: random.Random, lo: date, hi: date) -> date:
    # Bias towards the edges the rules care about: 1 April / 2 April, the 1st of a month, 29 February.
    d = lo + timedelta(days=rng.randrange((hi - lo).days + 1))
    pick = rng.random()
    if pick < 0.15:
        d = date(d.year, 4, rng.choice([1, 2]))
    elif pick < 0.25:
        d = d.replace(day=1)
    elif pick < 0.28:
        d = date(2020, 2, 29) if rng.random() < 0.5 else date(2004, 2, 29)
    return max(lo, min(hi, d))


def random_household(rng: random.Random, on: date) -> Household:
    members: list[dict[str, Any]] = []
    parents = rng.choice([0, 1, 1, 2, 2, 2])
    for i in range(parents):
        members.append(
            {
                "id": f"p{i + 1}",
                "role": "parent",
                "birth_date": random_date(
                    rng, on - timedelta(days=60 * 365), on - timedelta(days=18 * 365)
                ).isoformat(),
                "sex": rng.choice(["female", "male", None])
                if i
                else rng.choice(["female", "female", "male"]),
                "insurance": rng.choice(["employee", "nhi", "none"]),
                "employment_insured": rng.random() < 0.6,
                "annual_income": rng.choice(
                    [
                        0,
                        500_000,
                        1_030_000,
                        1_300_000,
                        1_700_000,
                        2_500_000,
                        3_600_000,
                        rng.randrange(0, 20_000_000, 1000),
                    ]
                ),
                "insured_person": rng.choice([None, True, False]),
                "standard_monthly_remuneration": rng.choice([None, 200_000, 410_000]),
                "childcare_leave_days": rng.choice([0, 10, 14, 28, 60]),
                "birth_leave_days": rng.choice([0, 0, 5, 14, 28]),
                "reduced_hours_monthly_wage": rng.choice([None, None, 150_000, 250_000, 400_000]),
                "expecting_due_date": (on + timedelta(days=rng.randrange(1, 280))).isoformat()
                if rng.random() < 0.15
                else None,
                "expected_babies": rng.choice([1, 1, 1, 2]),
                "pregnancy_ended_on": (on - timedelta(days=rng.randrange(0, 800))).isoformat()
                if rng.random() < 0.1
                else None,
            }
        )
    if rng.random() < 0.2:
        members.append(
            {
                "id": "g1",
                "role": "other",
                "birth_date": "1950-05-05",
                "annual_income": rng.choice([0, 2_000_000]),
            }
        )
    twins_at = random_date(rng, on - timedelta(days=400), on)
    for i in range(rng.choice([0, 1, 2, 3, 4, 5])):
        born = (
            twins_at
            if rng.random() < 0.15
            else random_date(rng, on - timedelta(days=25 * 365), on + timedelta(days=30))
        )
        members.append(
            {
                "id": f"c{i + 1}",
                "role": "child",
                "birth_date": born.isoformat(),
                "supported": rng.random() < 0.8,
                "disabled": rng.random() < 0.05,
                "birth_weight_g": rng.choice([None, 1500, 2000, 2001, 3100]),
                "weak_vitality": rng.random() < 0.03,
                "obstetric_compensation_scheme": rng.random() < 0.9,
                "annual_income": rng.choice([0, 0, 800_000, 1_500_000]),
            }
        )
    if not members:
        members.append({"id": "x", "role": "other", "birth_date": "1980-01-01"})
    rng.shuffle(members)
    return Household.model_validate(
        {
            "municipality": rng.choice(["990019", "990019", "990027", "131016"]),
            "single_parent": rng.random() < 0.4,
            "members": members,
        }
    )


def single_mode_amount(b: Any) -> int:
    if b.kind == "in_kind":
        return int(b.details.get("covered_children", 0))
    return int((b.monthly_amount if b.kind == "monthly" else b.amount) or 0)


def assert_same(households: list[Household], on: date) -> None:
    results = evaluate(Population.from_households(households), on)
    mismatches = []
    for i, h in enumerate(households):
        e = explain(h, on)
        for b in e.benefits:
            got = (bool(results.eligible[b.id][i]), int(results.amount[b.id][i]))
            want = (b.eligible, single_mode_amount(b))
            if got != want:
                mismatches.append((on, i, b.id, want, got))
        topup = e.benefit("childcare_leave_benefit").details.get("additional_lump_sum", 0)
        if topup != int(results.extra["childcare_leave_topup"][i]):
            mismatches.append((on, i, "topup", topup, int(results.extra["childcare_leave_topup"][i])))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("on", DATES)
def test_population_matches_single_mode_on_random_households(on: date) -> None:
    rng = random.Random(f"rules-{on.isoformat()}")
    households = [random_household(rng, on) for _ in range(700)]
    assert_same(households, on)
    # Every benefit is exercised (not vacuously equal).
    results = evaluate(Population.from_households(households), on)
    params = load_parameters()
    in_force = [b for b in BENEFIT_IDS if params[b].at(on) is not None or params[b].municipalities]
    for b in in_force:
        assert results.eligible[b].any(), b


def test_population_matches_single_mode_on_synthetic_residents() -> None:
    on = date(2026, 11, 26)
    pop = synthetic_population(6000, on, seed=7)
    results = evaluate(pop, on)
    for i in range(pop.households):
        e = explain(pop.household_document(i), on)
        for b in e.benefits:
            assert (bool(results.eligible[b.id][i]), int(results.amount[b.id][i])) == (
                b.eligible,
                single_mode_amount(b),
            ), (i, b.id)


def test_synthetic_population_is_deterministic_and_sized() -> None:
    on = date(2026, 11, 26)
    a = synthetic_population(10_000, on, seed=1)
    b = synthetic_population(10_000, on, seed=1)
    c = synthetic_population(10_000, on, seed=2)
    assert a.persons == 10_000 and a.households > 3_000
    a.validate()
    assert np.array_equal(a.birth, b.birth) and np.array_equal(a.income, b.income)
    assert not np.array_equal(a.birth, c.birth)


def test_screen_reports_counts_totals_and_timings() -> None:
    on = date(2026, 11, 26)
    pop = synthetic_population(20_000, on)
    report = screen(pop, on, seconds_building=0.5).as_json()
    ca = report["benefits"]["child_allowance"]
    results = evaluate(pop, on)
    assert ca["eligible_households"] == int(results.eligible["child_allowance"].sum()) > 0
    assert ca["total"] == int(results.amount["child_allowance"].sum())
    assert report["benefits"]["child_medical_subsidy"]["total"] is None
    assert report["seconds"]["building_inputs"] == 0.5 and report["seconds"]["computing"] > 0


def test_unsorted_population_is_rejected() -> None:
    pop = synthetic_population(100, date(2026, 1, 1))
    pop.household = pop.household[::-1].copy()
    with pytest.raises(ValueError):
        evaluate(pop, date(2026, 1, 1))


def test_from_columns_defaults_and_rejects_unknown_columns() -> None:
    from tenohira.rules import ROLE_CHILD, ROLE_PARENT
    from tenohira.rules.dates import to_days

    on = date(2026, 11, 26)
    pop = Population.from_columns(
        household=[0, 0, 1],
        role=[ROLE_PARENT, ROLE_CHILD, ROLE_PARENT],
        birth=[to_days(date(1990, 1, 1)), to_days(date(2026, 11, 10)), to_days(date(1960, 1, 1))],
        municipalities=["990019"],
        female=[True, False, False],
    )
    results = evaluate(pop, on)
    assert results.amount["child_allowance"].tolist() == [15_000, 0]
    with pytest.raises(TypeError):
        Population.from_columns(household=[0], role=[0], birth=[0], municipalities=["990019"], colour=[1])


def test_compare_reports_the_2024_reform() -> None:
    from tenohira.rules import compare

    pop = synthetic_population(20_000, date(2024, 10, 1), seed=3)
    impact = compare(pop, date(2024, 9, 30), date(2024, 10, 1), ["child_allowance"])["benefits"][
        "child_allowance"
    ]
    # High-school-age children and third children gain: more households, a higher total, and nobody loses.
    assert impact["newly_eligible"] > 0 and impact["no_longer_eligible"] == 0
    assert impact["total_after"] > impact["total_before"]


def test_empty_population_screens_to_zero() -> None:
    pop = Population.from_columns(household=[], role=[], birth=[], municipalities=["990019"])
    report = screen(pop, date(2026, 1, 1)).as_json()
    assert report["households"] == 0
    assert all(b["eligible_households"] == 0 for b in report["benefits"].values())
