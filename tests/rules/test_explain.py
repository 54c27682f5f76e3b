"""Single-household decisions: amounts, dates in force, and the reasons given."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tenohira.rules import Household, explain, load_parameters


def household(members: list[dict[str, Any]], **kw: Any) -> Household:
    return Household.model_validate({"municipality": "990019", "members": members, **kw})


MOTHER = {
    "id": "p1",
    "role": "parent",
    "birth_date": "1990-04-10",
    "sex": "female",
    "insurance": "employee",
    "employment_insured": True,
    "annual_income": 3_000_000,
}
FATHER = {
    "id": "p2",
    "role": "parent",
    "birth_date": "1988-01-10",
    "sex": "male",
    "insurance": "employee",
    "employment_insured": True,
    "annual_income": 5_000_000,
}


def test_issue_example_newborn() -> None:
    h = household(
        [
            MOTHER,
            {
                "id": "c1",
                "role": "child",
                "birth_date": "2026-11-10",
                "supported": True,
                "birth_weight_g": 3100,
            },
        ]
    )
    e = explain(h, date(2026, 11, 26))
    ca = e.benefit("child_allowance")
    assert ca.eligible and ca.monthly_amount == 15_000
    assert ca.per_member[0].member == "c1" and ca.per_member[0].amount == 15_000
    assert "第1子" in ca.per_member[0].reason and "1st child" in ca.per_member[0].reason_en
    assert ca.legal_basis and ca.sources
    assert e.benefit("childbirth_lump_sum").amount == 500_000
    assert e.benefit("pregnancy_support_benefit").amount == 50_000
    assert not e.benefit("premature_infant_care").eligible
    doc = e.as_json()
    by_id = {b["id"]: b for b in doc["benefits"]}
    assert "monthly_amount" in by_id["child_allowance"] and "amount" not in by_id["child_allowance"]
    assert "amount" in by_id["childbirth_lump_sum"] and "monthly_amount" not in by_id["childbirth_lump_sum"]


def test_third_child_counts_siblings_up_to_22_only_when_supported() -> None:
    kids = [
        {"id": "c1", "role": "child", "birth_date": "2005-04-02", "supported": True},  # 21: counted, not paid
        {"id": "c2", "role": "child", "birth_date": "2015-06-02"},
        {"id": "c3", "role": "child", "birth_date": "2026-11-10"},
    ]
    e = explain(household([FATHER, *kids]), date(2026, 11, 26))
    ca = e.benefit("child_allowance")
    amounts = {m.member: (m.amount, m.counted_as) for m in ca.per_member}
    assert amounts == {"c1": (0, 1), "c2": (10_000, 2), "c3": (30_000, 3)}
    assert "第3子" in next(m.reason for m in ca.per_member if m.member == "c3")
    # Not supported any more: the 21-year-old no longer counts, so the baby is the second child.
    kids[0]["supported"] = False
    ca = explain(household([FATHER, *kids]), date(2026, 11, 26)).benefit("child_allowance")
    assert ca.monthly_amount == 10_000 + 15_000


def test_older_sibling_born_1_april_drops_out_a_year_before_one_born_2_april() -> None:
    def third_amount(older_birth: str) -> int:
        kids = [
            {"id": "c1", "role": "child", "birth_date": older_birth, "supported": True},
            {"id": "c2", "role": "child", "birth_date": "2015-06-02"},
            {"id": "c3", "role": "child", "birth_date": "2026-05-10"},
        ]
        ca = explain(household([FATHER, *kids]), date(2026, 6, 15)).benefit("child_allowance")
        return next(m.amount or 0 for m in ca.per_member if m.member == "c3")

    assert third_amount("2004-04-02") == 30_000  # 22's school year ends 2027-03-31: still counted
    assert third_amount("2004-04-01") == 15_000  # ended 2026-03-31: the baby is now the second child


def test_past_date_uses_the_amounts_in_force_then() -> None:
    kids = [
        {"id": "c1", "role": "child", "birth_date": "2010-05-01"},
        {"id": "c2", "role": "child", "birth_date": "2012-05-01"},
        {"id": "c3", "role": "child", "birth_date": "2016-05-01"},
    ]
    h = household([FATHER, *kids])
    before = explain(h, date(2024, 9, 15)).benefit("child_allowance")
    after = explain(h, date(2024, 10, 15)).benefit("child_allowance")
    # Before the reform: c1 (junior high) 10,000, c2 (junior high) 10,000, c3 third child at primary 15,000.
    assert before.monthly_amount == 35_000 and before.effective_from == date(2022, 6, 1)
    assert before.details["payment_months"] == [2, 6, 10]
    # After: 10,000 + 10,000 + 30,000, paid in even months.
    assert after.monthly_amount == 50_000 and after.effective_from == date(2024, 10, 1)
    assert after.details["paid_in"] == "2024-12"
    # Above the upper limit before the reform: nothing; now: no income limit.
    rich = household([{**FATHER, "annual_income": 15_000_000}, *kids])
    assert explain(rich, date(2024, 9, 15)).benefit("child_allowance").monthly_amount == 0
    assert explain(rich, date(2021, 9, 15)).benefit("child_allowance").monthly_amount == 15_000  # 特例給付
    assert explain(rich, date(2024, 10, 15)).benefit("child_allowance").monthly_amount == 50_000


def test_fifteen_day_rule_and_payment_month() -> None:
    child = {"id": "c1", "role": "child", "birth_date": "2026-10-25", "claimed_on": "2026-11-08"}
    ca = explain(household([MOTHER, child]), date(2026, 11, 20)).benefit("child_allowance")
    assert ca.details["payment_start"]["c1"] == "2026-11"  # within 15 days: from the month after the birth
    child["claimed_on"] = "2026-11-10"
    ca = explain(household([MOTHER, child]), date(2026, 11, 20)).benefit("child_allowance")
    assert ca.details["payment_start"]["c1"] == "2026-12"  # late: from the month after the claim
    assert ca.details["paid_in"] == "2026-12"


def test_lump_sum_by_birth_date_and_scheme() -> None:
    e = explain(
        household([MOTHER, {"id": "c1", "role": "child", "birth_date": "2023-03-31"}]), date(2024, 1, 5)
    )
    assert e.benefit("childbirth_lump_sum").amount == 420_000
    e = explain(
        household(
            [
                MOTHER,
                {
                    "id": "c1",
                    "role": "child",
                    "birth_date": "2023-04-01",
                    "obstetric_compensation_scheme": False,
                },
            ]
        ),
        date(2024, 1, 5),
    )
    assert e.benefit("childbirth_lump_sum").amount == 488_000
    nobody = household(
        [{**MOTHER, "insurance": "none"}, {"id": "c1", "role": "child", "birth_date": "2026-11-10"}]
    )
    assert not explain(nobody, date(2026, 11, 26)).benefit("childbirth_lump_sum").eligible


def test_single_parent_allowance_full_and_partial_april_2025() -> None:
    mother = {**MOTHER, "annual_income": 1_000_000}
    kids = [
        {"id": "c1", "role": "child", "birth_date": "2018-05-01"},
        {"id": "c2", "role": "child", "birth_date": "2020-05-01"},
    ]
    e = explain(household([mother, *kids], single_parent=True), date(2025, 6, 1))
    spa = e.benefit("single_parent_allowance")
    assert spa.eligible and spa.monthly_amount == 46_690 + 11_030 and spa.details["level"] == "full"
    # Income 2,500,000 gross -> 所得 2,500,000×0.7−80,000 = 1,670,000 − 80,000 = 1,590,000; 2 dependants.
    mid = {**MOTHER, "annual_income": 2_500_000}
    spa = explain(household([mid, *kids], single_parent=True), date(2025, 6, 1)).benefit(
        "single_parent_allowance"
    )
    excess = 1_590_000 - (690_000 + 2 * 380_000)
    expected_first = 46_680 - round(excess * 0.0256619 / 10 + 1e-9) * 10
    expected_second = 11_020 - round(excess * 0.0039568 / 10 + 1e-9) * 10
    assert spa.details["level"] == "partial" and spa.monthly_amount == expected_first + expected_second
    # Before 2024-11 the full-payment limit was lower.
    old = explain(
        household([{**MOTHER, "annual_income": 1_500_000}, *kids], single_parent=True), date(2024, 6, 1)
    )
    assert old.benefit("single_parent_allowance").details["full_limit"] == 490_000 + 2 * 380_000


def test_maternity_and_childcare_leave_with_top_up() -> None:
    mother = {**MOTHER, "childcare_leave_days": 60, "standard_monthly_remuneration": 300_000}
    father = {**FATHER, "childcare_leave_days": 14}
    e = explain(
        household([mother, father, {"id": "c1", "role": "child", "birth_date": "2026-11-10"}]),
        date(2026, 11, 26),
    )
    ma = e.benefit("maternity_allowance")
    assert ma.details["daily_amount"] == 6_667 and ma.amount == 6_667 * 98
    cl = e.benefit("childcare_leave_benefit")
    father_daily = min(5_000_000 // 360, 16_110)
    mother_daily = 3_000_000 // 360
    # On 26 November the mother is on postnatal leave (出産手当金): only the father's leave is paid.
    assert cl.monthly_amount == father_daily * 30 * 67 // 100
    both = father_daily * 30 * 67 // 100 + mother_daily * 30 * 67 // 100
    assert cl.details["monthly_once_on_leave"] == both
    assert cl.details["additional_lump_sum"] == father_daily * 14 * 13 // 100 + mother_daily * 28 * 13 // 100
    # Before 2025-04-01 there was no top-up.
    e = explain(
        household([mother, father, {"id": "c1", "role": "child", "birth_date": "2025-01-10"}]),
        date(2025, 2, 1),
    )
    assert e.benefit("childcare_leave_benefit").details["additional_lump_sum"] == 0


def test_medical_subsidy_is_per_municipality() -> None:
    teen = {"id": "c1", "role": "child", "birth_date": "2008-06-01"}  # 16 in 2025
    demo = explain(household([FATHER, teen]), date(2025, 1, 10)).benefit("child_medical_subsidy")
    town = explain(
        Household.model_validate({"municipality": "990027", "members": [FATHER, teen]}), date(2025, 1, 10)
    ).benefit("child_medical_subsidy")
    assert demo.eligible and not town.eligible  # the town covered only to 15 before April 2025
    town_later = explain(
        Household.model_validate({"municipality": "990027", "members": [FATHER, teen]}), date(2025, 6, 10)
    ).benefit("child_medical_subsidy")
    assert town_later.eligible and town_later.details["copay_outpatient_per_visit"] == 200
    unknown = explain(
        Household.model_validate({"municipality": "131016", "members": [FATHER, teen]}), date(2025, 6, 10)
    ).benefit("child_medical_subsidy")
    assert not unknown.eligible and unknown.details["municipality_configured"] is False


def test_premature_infant_care_by_birth_weight() -> None:
    baby = {"id": "c1", "role": "child", "birth_date": "2026-11-10", "birth_weight_g": 2000}
    assert explain(household([MOTHER, baby]), date(2026, 11, 26)).benefit("premature_infant_care").eligible
    baby["birth_weight_g"] = 2001
    assert (
        not explain(household([MOTHER, baby]), date(2026, 11, 26)).benefit("premature_infant_care").eligible
    )


def test_every_parameter_version_has_a_source_and_dates_in_order() -> None:
    for p in load_parameters().values():
        for v in p.versions:
            assert v.source.startswith("https://")
        for scheme in p.municipalities.values():
            assert all(v.source.startswith("https://") for v in scheme.versions)


def test_invalid_household_is_rejected() -> None:
    with pytest.raises(ValueError):
        household([MOTHER, MOTHER])


def test_lump_sum_as_dependant_only_through_employee_insurance() -> None:
    baby = {"id": "c1", "role": "child", "birth_date": "2026-11-10"}
    uninsured_mother = {**MOTHER, "insurance": "none"}
    via_employee = explain(household([uninsured_mother, FATHER, baby]), date(2026, 11, 26))
    assert via_employee.benefit("childbirth_lump_sum").amount == 500_000
    assert via_employee.benefit("childbirth_lump_sum").details["insured"] == "p2"
    via_nhi = explain(household([uninsured_mother, {**FATHER, "insurance": "nhi"}, baby]), date(2026, 11, 26))
    assert not via_nhi.benefit("childbirth_lump_sum").eligible


def test_fifteen_day_rule_counts_from_the_day_after_the_birth() -> None:
    # Born 30 April: a claim by 15 May counts as made in April (paid from May); on 16 May, from June.
    def start(claimed: str) -> str:
        child = {"id": "c1", "role": "child", "birth_date": "2026-04-30", "claimed_on": claimed}
        ca = explain(household([MOTHER, child]), date(2026, 5, 20)).benefit("child_allowance")
        return str(ca.details["payment_start"]["c1"])

    assert start("2026-05-15") == "2026-05"
    assert start("2026-05-16") == "2026-06"


def test_childcare_leave_caps_match_the_published_monthly_maxima() -> None:
    rich = {**FATHER, "annual_income": 12_000_000, "childcare_leave_days": 180}
    baby = {"id": "c1", "role": "child", "birth_date": "2025-05-10"}
    june = explain(household([rich, baby]), date(2025, 6, 15)).benefit("childcare_leave_benefit")
    september = explain(household([rich, baby]), date(2025, 9, 15)).benefit("childcare_leave_benefit")
    assert june.monthly_amount == 315_369 and september.monthly_amount == 323_811


def test_single_parent_coefficients_span_the_published_partial_ranges() -> None:
    # Over the whole partial band the reduction must take the maximum down to the published minimum.
    p = load_parameters()["single_parent_allowance"]
    for v in p.versions:
        band = int(v["partial_limit_base"]) - int(v["full_limit_base"])
        for prefix in ("first", "second", "third"):
            reduced = int(v[f"{prefix}_partial_max"]) - round(band * float(v[f"{prefix}_coef"]) / 10) * 10
            assert abs(reduced - int(v[f"{prefix}_partial_min"])) <= 10, (v.effective_from, prefix)


def test_payable_for_the_month_follows_the_payment_start() -> None:
    kids = [
        {"id": "c1", "role": "child", "birth_date": "2020-05-01", "claimed_on": "2020-05-03"},
        {"id": "c2", "role": "child", "birth_date": "2026-11-10"},
    ]
    ca = explain(household([MOTHER, *kids]), date(2026, 11, 26)).benefit("child_allowance")
    # The newborn's allowance starts in December (claimed today), the older child's long ago.
    assert ca.monthly_amount == 25_000 and ca.details["payable_for_this_month"] == 10_000
