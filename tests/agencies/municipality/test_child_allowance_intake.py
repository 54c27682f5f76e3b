"""児童手当 at the municipality's intake: the first claim and the revision each only when it is the
claim the household makes (児童手当法 第7条 / 第9条), the revision with the 15-day rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tenohira.agencies.municipality.intake import decide_child_allowance
from tenohira.rules import Household

BORN = date(2026, 11, 20)


def household(*children: str) -> Household:
    members: list[dict[str, Any]] = [
        {
            "id": "head-1",
            "role": "parent",
            "birth_date": "1988-01-10",
            "sex": "male",
            "annual_income": 5_000_000,
        },
        {"id": "spouse-2", "role": "parent", "birth_date": "1990-04-10", "sex": "female"},
    ]
    members += [
        {"id": f"child-{i}", "role": "child", "birth_date": b} for i, b in enumerate(children, start=3)
    ]
    return Household.model_validate({"municipality": "990019", "members": members})


RECEIVING = household("2023-05-01", BORN.isoformat())  # already paid for the three-year-old
FIRST = household(BORN.isoformat())


def test_a_first_claim_from_a_household_already_receiving_is_redirected_to_the_revision() -> None:
    answer = decide_child_allowance(RECEIVING, BORN + timedelta(days=5), "child_allowance_claim")
    assert answer["status"] == "rejected" and answer["redirect_to"] == "child_allowance_revision"
    assert answer["monthly_amount"] is None
    (reason,) = answer["reasons"]
    assert "額改定認定請求をしてください" in reason["ja"] and "revision claim" in reason["en"]
    assert any("第9条" in b["ja"] for b in answer["legal_basis"])
    # a household not yet receiving: the first claim is approved, as before
    first = decide_child_allowance(FIRST, BORN + timedelta(days=5), "child_allowance_claim")
    assert first["status"] == "approved" and first["monthly_amount"] == 15_000


def test_the_revision_is_taken_in_with_the_15_day_rule() -> None:
    on_time = decide_child_allowance(RECEIVING, BORN + timedelta(days=15), "child_allowance_revision")
    assert on_time["status"] == "approved" and on_time["decided_by"] == "rules"
    assert on_time["monthly_amount"] == 15_000  # the new child's share is added
    assert on_time["household_monthly_amount"] == 10_000 + 15_000
    assert on_time["payment_start"] == {"child-4": "2026-12"}  # the month after the birth
    assert "額改定" in on_time["reasons"][0]["ja"] and on_time["reasons"][0]["en"]
    late = decide_child_allowance(RECEIVING, BORN + timedelta(days=16), "child_allowance_revision")
    assert late["status"] == "approved"
    assert late["payment_start"] == {"child-4": "2027-01"}  # the month after the claim
    # a household not receiving makes the first claim: the revision is refused, saying so
    refused = decide_child_allowance(FIRST, BORN + timedelta(days=5), "child_allowance_revision")
    assert refused["status"] == "rejected"
    assert "認定請求をします" in refused["reasons"][0]["ja"] and "first claim" in refused["reasons"][0]["en"]
