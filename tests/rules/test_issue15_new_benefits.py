"""The benefits and duties after a birth added by issue 15, each on both sides of its boundary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tenohira.rules import explain
from tests.rules.test_issue15_facts import FATHER, MOTHER, both_modes, child, household

NHI_MOTHER = {**MOTHER, "insurance": "nhi", "employment_insured": False}


@pytest.mark.parametrize(("weight", "needed"), [(2499, True), (2500, False), (1800, True)])
def test_low_birth_weight_notification_under_2500_g(weight: int, needed: bool) -> None:
    h = household([MOTHER, child("2026-11-20", birth_weight_g=weight)])
    assert both_modes(h, date(2026, 11, 26), "low_birth_weight_notification") == (needed, int(needed))


@pytest.mark.parametrize(("birth", "eligible"), [("2023-10-31", False), ("2023-11-01", True)])
def test_nhi_premium_exemption_for_births_from_november_2023(birth: str, eligible: bool) -> None:
    h = household([NHI_MOTHER, child(birth)])
    assert both_modes(h, date(2024, 2, 1), "nhi_maternity_premium_exemption") == (eligible, int(eligible))


def test_nhi_premium_exemption_months_and_insurance() -> None:
    twins = household([NHI_MOTHER, child("2026-08-10", "c1"), child("2026-08-10", "c2")])
    b = explain(twins, date(2026, 11, 26)).benefit("nhi_maternity_premium_exemption")
    assert b.details["exempt_months"] == [{"event": "2026-08-10", "from": "2026-05", "to": "2026-10"}]
    assert "6か月分" in b.per_member[0].reason and " " not in b.per_member[0].reason
    due = household([{**NHI_MOTHER, "expecting_due_date": "2027-02-14"}])
    b = explain(due, date(2026, 11, 26)).benefit("nhi_maternity_premium_exemption")
    assert (
        b.details["exempt_months"][0]["from"] == "2027-01"
        and b.details["exempt_months"][0]["to"] == "2027-04"
    )
    employee = household([MOTHER, child("2026-11-10")])
    assert both_modes(employee, date(2026, 11, 26), "nhi_maternity_premium_exemption") == (False, 0)


@pytest.mark.parametrize(("birth", "eligible"), [("2019-01-31", False), ("2019-02-01", True)])
def test_pension_maternity_exemption_for_births_from_february_2019(birth: str, eligible: bool) -> None:
    h = household([NHI_MOTHER, child(birth)])
    assert both_modes(h, date(2019, 6, 1), "national_pension_maternity_exemption") == (
        eligible,
        int(eligible),
    )


def test_pension_maternity_exemption_needs_category_1() -> None:
    young = {
        **NHI_MOTHER,
        "birth_date": "2006-11-27",
    }  # 19 on 26 November 2026, 20 on the 27th... a day later
    h = household([young, child("2026-11-10")])
    assert both_modes(h, date(2026, 11, 25), "national_pension_maternity_exemption") == (False, 0)
    assert both_modes(h, date(2026, 11, 26), "national_pension_maternity_exemption") == (True, 1)
    employee = household([MOTHER, child("2026-11-10")])
    assert both_modes(employee, date(2026, 11, 26), "national_pension_maternity_exemption") == (False, 0)


def test_pension_childcare_exemption_from_october_2026_until_the_first_birthday() -> None:
    father = {**FATHER, "insurance": "nhi", "employment_insured": False}
    h = household([NHI_MOTHER, father, child("2026-08-01")])
    assert both_modes(h, date(2026, 9, 30), "national_pension_childcare_exemption") == (False, 0)
    assert both_modes(h, date(2026, 10, 1), "national_pension_childcare_exemption") == (True, 2)
    assert both_modes(h, date(2027, 7, 31), "national_pension_childcare_exemption") == (True, 2)
    assert both_modes(h, date(2027, 8, 1), "national_pension_childcare_exemption") == (False, 0)
    mixed = household([MOTHER, father, child("2026-08-01")])
    assert both_modes(mixed, date(2026, 11, 26), "national_pension_childcare_exemption") == (True, 1)


def test_birth_leave_benefit_for_the_father_within_the_claim_window() -> None:
    born = date(2026, 10, 1)
    father = {**FATHER, "birth_leave_days": 28}
    h = household([MOTHER, father, child(born.isoformat())])
    daily = min(5_400_000 // 360, 16_110)
    assert both_modes(h, born + timedelta(days=60), "birth_childcare_leave_benefit") == (
        True,
        daily * 28 * 67 // 100,
    )
    assert both_modes(h, born + timedelta(days=120), "birth_childcare_leave_benefit")[0]
    assert both_modes(h, born + timedelta(days=121), "birth_childcare_leave_benefit") == (False, 0)
    # The mother is on postnatal leave those 8 weeks: her declared days bring nothing.
    mother_only = household([{**MOTHER, "birth_leave_days": 28}, child(born.isoformat())])
    assert both_modes(mother_only, born + timedelta(days=60), "birth_childcare_leave_benefit") == (False, 0)


def test_reduced_hours_benefit_ten_percent_capped_at_the_former_wage() -> None:
    wage_before = 5_400_000 // 12  # 450,000

    def h(wage: int, birth: str = "2025-06-01") -> Any:
        return household([MOTHER, {**FATHER, "reduced_hours_monthly_wage": wage}, child(birth)])

    assert both_modes(h(300_000), date(2026, 11, 26), "childcare_reduced_hours_benefit") == (True, 30_000)
    assert both_modes(h(440_000), date(2026, 11, 26), "childcare_reduced_hours_benefit") == (
        True,
        wage_before - 440_000,
    )
    assert both_modes(h(wage_before), date(2026, 11, 26), "childcare_reduced_hours_benefit") == (False, 0)
    # The child turns 2 on 1 June 2027 (reaching 2 on 31 May): from that day there is no benefit.
    assert both_modes(h(300_000), date(2027, 5, 31), "childcare_reduced_hours_benefit") == (True, 30_000)
    assert both_modes(h(300_000), date(2027, 6, 1), "childcare_reduced_hours_benefit") == (False, 0)
    assert both_modes(h(300_000, "2024-06-01"), date(2025, 3, 31), "childcare_reduced_hours_benefit") == (
        False,
        0,
    )


def test_child_allowance_revision_for_a_new_child_of_a_receiving_household() -> None:
    parent = {"id": "p1", "role": "parent", "birth_date": "1985-06-10", "annual_income": 3_000_000}
    h = household([parent, child("2020-05-01", "c1"), child("2026-11-10", "c2")])
    assert both_modes(h, date(2026, 11, 26), "child_allowance_revision") == (True, 15_000)
    e = explain(h, date(2026, 11, 26)).benefit("child_allowance_revision")
    new = next(d for d in e.per_member if d.member == "c2")
    assert "15日" in new.reason and "2026-11-10" not in new.reason and new.reason_easy
    older = next(d for d in e.per_member if d.member == "c1")
    assert older.amount is None and "上の子" in older.reason
    assert "第9条" in e.summary and "art. 9" in e.summary_en and "ふやす" in e.summary_easy
    assert "25,000円" in e.summary and e.details["household_monthly_amount"] == 25_000
    first = household([parent, child("2026-11-10")])
    assert both_modes(first, date(2026, 11, 26), "child_allowance_revision") == (False, 0)
    not_receiving = explain(first, date(2026, 11, 26)).benefit("child_allowance_revision")
    assert "第7条" in not_receiving.summary and "first claim" in not_receiving.summary_en
    assert "はじめて" in not_receiving.summary_easy and not not_receiving.details["receiving_for_older_child"]
    later = household([parent, child("2020-05-01", "c1"), child("2025-11-10", "c2")])
    assert both_modes(later, date(2026, 11, 10), "child_allowance_revision") == (True, 15_000)
    assert both_modes(later, date(2026, 11, 11), "child_allowance_revision") == (False, 0)
