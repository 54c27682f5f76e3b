"""Which procedures a household's facts make apply after a birth (no hub: the pure part of push)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tenohira.palm.push.service import HouseholdFacts, build_household, propose
from tenohira.rules import explain

BIRTH = date(2026, 11, 20)


def facts(insurance: str, *, spouse: bool = True, insurer_says: str | None = None) -> HouseholdFacts:
    members: list[dict[str, Any]] = [
        {
            "relation": "head",
            "birth_date": "1992-04-01",
            "sex": "female",
            "is_subject": True,
            "insurance": insurance,
            "employment_insured": insurance == "employee",
            "annual_income": 4_000_000,
        },
        {
            "relation": "child",
            "birth_date": BIRTH.isoformat(),
            "sex": "female",
            "is_subject": False,
            "insurance": insurance,
            "employment_insured": False,
            "annual_income": 0,
        },
    ]
    if spouse:
        members.insert(
            1,
            {
                "relation": "spouse",
                "birth_date": "1990-06-01",
                "sex": "male",
                "is_subject": False,
                "insurance": insurance,
                "employment_insured": insurance == "employee",
                "annual_income": 5_000_000,
            },
        )
    return HouseholdFacts(
        household={"address": "x", "members": members},
        tax={"status": "taxable"},
        insurance={"insurance": insurer_says} if insurer_says else None,
    )


def procedures(f: HouseholdFacts) -> dict[str, Any]:
    household = build_household(f, "999999")
    found = propose(explain(household, BIRTH), household, BIRTH, "birth", "birth_notification")
    return {p.procedure.id: p for p in found}


def test_employees_insurance_household() -> None:
    got = procedures(facts("employee"))
    assert "birth_notification" not in got  # the event's own procedure is done
    assert "employee_insurance_dependant" in got and "nhi_enrolment" not in got
    allowance = got["child_allowance_claim"]
    assert allowance.amount and allowance.amount_period == "monthly" and allowance.deadline
    assert allowance.explanation_ja and allowance.explanation_en and allowance.legal_basis
    assert got["newborn_visit"].kind == "information"


def test_first_claim_or_revision_never_both() -> None:
    """児童手当: a household not receiving makes the first claim (認定請求, 第7条) only; one already
    receiving for an older child claims the revision (額改定認定請求, 第9条) only."""
    first = procedures(facts("employee"))
    assert "child_allowance_claim" in first and "child_allowance_revision" not in first
    older = facts("employee")
    older.household["members"].append(
        {
            "relation": "child",
            "birth_date": "2022-05-10",
            "sex": "male",
            "is_subject": False,
            "insurance": "employee",
        }
    )
    receiving = procedures(older)
    assert "child_allowance_revision" in receiving and "child_allowance_claim" not in receiving
    revision = receiving["child_allowance_revision"]
    # the household's monthly amount once revised (older child 10,000 + the baby 15,000), the increase said
    assert revision.amount == 25_000 and revision.amount_period == "monthly" and revision.deadline
    assert "15,000円が加わり" in revision.explanation_ja and "art. 9" in revision.explanation_en
    assert any("第9条" in b["ja"] for b in revision.legal_basis)
    # an older child aged 18-22 is counted but not paid: the household is not receiving, so a first claim
    student = facts("employee")
    student.household["members"].append(
        {
            "relation": "child",
            "birth_date": "2006-05-10",
            "sex": "male",
            "is_subject": False,
            "insurance": "employee",
        }
    )
    got = procedures(student)
    assert "child_allowance_claim" in got and "child_allowance_revision" not in got


def test_nhi_household_and_the_insurer_has_the_last_word() -> None:
    got = procedures(facts("nhi"))
    assert "nhi_enrolment" in got and "employee_insurance_dependant" not in got
    # the registry says NHI, the insurer says employees' insurance: the insurer wins for the parent
    got = procedures(facts("nhi", spouse=False, insurer_says="employee"))
    assert "employee_insurance_dependant" in got


def test_household_is_described_never_named() -> None:
    household = build_household(facts("employee"), "999999")
    assert [m.id for m in household.members] == ["m1", "m2", "m3"]
    assert [m.role for m in household.members] == ["parent", "parent", "child"]
    assert not household.single_parent
    assert build_household(facts("employee", spouse=False), "999999").single_parent
