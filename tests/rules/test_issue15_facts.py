"""The facts corrected in issue 15, each on both sides of its boundary, in both modes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tenohira.rules import Household, Population, evaluate, explain


def household(members: list[dict[str, Any]], **kw: Any) -> Household:
    return Household.model_validate({"municipality": "990019", "members": members, **kw})


PARENT = {"id": "p1", "role": "parent", "birth_date": "1985-06-10", "annual_income": 3_000_000}
MOTHER = {
    "id": "m",
    "role": "parent",
    "birth_date": "1990-04-10",
    "sex": "female",
    "insurance": "employee",
    "employment_insured": True,
    "annual_income": 3_600_000,
}
FATHER = {
    "id": "f",
    "role": "parent",
    "birth_date": "1988-01-10",
    "sex": "male",
    "insurance": "employee",
    "employment_insured": True,
    "annual_income": 5_400_000,
}


def both_modes(h: Household, on: date, benefit: str) -> tuple[bool, int]:
    """The decision in single-household mode, checked equal to the population mode."""
    b = explain(h, on).benefit(benefit)
    if b.kind == "in_kind":
        single = (b.eligible, int(b.details.get("covered_children", 0)))
    else:
        single = (b.eligible, int((b.monthly_amount if b.kind == "monthly" else b.amount) or 0))
    r = evaluate(Population.from_households([h]), on, [benefit])
    assert (bool(r.eligible[benefit][0]), int(r.amount[benefit][0])) == single
    return single


def child(birth: str, cid: str = "c1", **kw: Any) -> dict[str, Any]:
    return {"id": cid, "role": "child", "birth_date": birth, **kw}


# --- 1. child allowance: the 1st of the month, the end of high-school age, the 22-year count ---------


@pytest.mark.parametrize(
    ("birth", "last_under3_month"),
    [
        ("2024-04-01", date(2027, 4, 1)),  # 月の初日生まれ: 3 years from birth pass after April 1st
        ("2024-04-02", date(2027, 4, 1)),
        ("2024-03-31", date(2027, 3, 1)),
        ("2024-02-29", date(2027, 2, 1)),  # reaches 3 on 28 February in a common year
        ("2024-05-01", date(2027, 5, 1)),
    ],
)
def test_under_3_amount_through_the_month_of_the_third_birthday(birth: str, last_under3_month: date) -> None:
    h = household([PARENT, child(birth)])
    assert both_modes(h, last_under3_month + timedelta(days=14), "child_allowance") == (True, 15_000)
    after = (last_under3_month + timedelta(days=32)).replace(day=15)
    assert both_modes(h, after, "child_allowance") == (True, 10_000)


@pytest.mark.parametrize(
    ("birth", "last_paid_month"),
    [("2008-04-01", date(2026, 3, 15)), ("2008-04-02", date(2027, 3, 15))],
)
def test_paid_to_the_first_31_march_after_turning_18(birth: str, last_paid_month: date) -> None:
    h = household([PARENT, child(birth)])
    assert both_modes(h, last_paid_month, "child_allowance") == (True, 10_000)
    assert both_modes(h, last_paid_month + timedelta(days=20), "child_allowance") == (False, 0)


@pytest.mark.parametrize(
    ("eldest", "last_counted"),
    [("2004-04-01", date(2026, 3, 15)), ("2004-04-02", date(2027, 3, 15))],
)
def test_third_child_counting_to_the_first_31_march_after_22(eldest: str, last_counted: date) -> None:
    h = household([PARENT, child(eldest, "c1"), child("2012-06-01", "c2"), child("2020-06-01", "c3")])
    # c1 counts while within the school year of 22 (supported): c3 is the third child, 30,000.
    assert both_modes(h, last_counted, "child_allowance") == (True, 10_000 + 30_000)
    # From the next month c1 no longer counts: c3 becomes the second child.
    assert both_modes(h, last_counted + timedelta(days=20), "child_allowance") == (True, 10_000 + 10_000)


# --- 5. the income limit from the June 2012 month -----------------------------------------------------


def test_income_limit_and_special_payment_from_june_2012() -> None:
    rich = {**PARENT, "annual_income": 15_000_000}
    h = household([rich, child("2005-06-01")])
    assert both_modes(h, date(2012, 5, 31), "child_allowance") == (True, 10_000)
    assert both_modes(h, date(2012, 6, 1), "child_allowance") == (True, 5_000)


# --- 4. childbirth lump sum outside the compensation scheme --------------------------------------------


@pytest.mark.parametrize(
    ("birth", "outside", "inside"),
    [
        ("2014-12-31", 390_000, 420_000),
        ("2015-01-01", 404_000, 420_000),
        ("2021-12-31", 404_000, 420_000),
        ("2022-01-01", 408_000, 420_000),
    ],
)
def test_lump_sum_outside_the_scheme_by_date_of_birth(birth: str, outside: int, inside: int) -> None:
    on = date.fromisoformat(birth) + timedelta(days=10)
    out = household([MOTHER, child(birth, obstetric_compensation_scheme=False)])
    assert both_modes(out, on, "childbirth_lump_sum") == (True, outside)
    assert both_modes(household([MOTHER, child(birth)]), on, "childbirth_lump_sum") == (True, inside)


# --- 6. pregnancy support: second payment per fetus, from 8 weeks before the due date, after a loss ---


def test_second_payment_from_eight_weeks_before_the_due_date_per_fetus() -> None:
    due = date(2026, 12, 24)
    twins = household([{**MOTHER, "expecting_due_date": due.isoformat(), "expected_babies": 2}])
    eight_weeks = due - timedelta(days=56)
    assert both_modes(twins, eight_weeks - timedelta(days=1), "pregnancy_support_benefit") == (True, 50_000)
    assert both_modes(twins, eight_weeks, "pregnancy_support_benefit") == (True, 50_000 + 2 * 50_000)
    e = explain(twins, eight_weeks)
    reasons = " ".join(m.reason for m in e.benefit("pregnancy_support_benefit").per_member)
    assert "胎児の数の届出" in reasons and "胎児2人" in reasons


def test_second_payment_also_after_a_miscarriage_or_stillbirth() -> None:
    loss = household([{**MOTHER, "pregnancy_ended_on": "2026-09-01", "expected_babies": 1}])
    assert both_modes(loss, date(2026, 10, 1), "pregnancy_support_benefit") == (True, 100_000)
    # Not before the statutory scheme (the 2022 budget programme left it to municipalities).
    old = household([{**MOTHER, "pregnancy_ended_on": "2025-03-31"}])
    assert both_modes(old, date(2025, 4, 10), "pregnancy_support_benefit") == (False, 0)
    statutory = household([{**MOTHER, "pregnancy_ended_on": "2025-04-01"}])
    assert both_modes(statutory, date(2025, 4, 10), "pregnancy_support_benefit") == (True, 100_000)


# --- 3. childcare-leave benefit not during the 56 postnatal days ---------------------------------------


def test_no_childcare_leave_benefit_for_the_mother_during_postnatal_leave() -> None:
    born = date(2026, 10, 1)
    h = household([{**MOTHER, "childcare_leave_days": 180}, child(born.isoformat())])
    monthly = 3_600_000 // 360 * 30 * 67 // 100
    # Day 56 after the birth is still postnatal leave; childcare leave starts on day 57.
    assert both_modes(h, born + timedelta(days=56), "childcare_leave_benefit") == (True, 0)
    assert both_modes(h, born + timedelta(days=57), "childcare_leave_benefit") == (True, monthly)
    reason = explain(h, born + timedelta(days=19)).benefit("childcare_leave_benefit").per_member[0].reason
    assert "産後休業中" in reason and "出産手当金" in reason


def test_only_a_parent_who_declared_leave_is_paid_the_childcare_leave_benefit() -> None:
    # The demo family: both parents employment-insured, a newborn, no leave declared. Being insured is
    # not being on leave: neither parent is paid (it showed the father's 323,811 yen a month).
    born = date(2026, 11, 20)
    on = date(2026, 12, 3)
    none = household([MOTHER, FATHER, child(born.isoformat())])
    assert both_modes(none, on, "childcare_leave_benefit") == (False, 0)
    b = explain(none, on).benefit("childcare_leave_benefit")
    assert b.details["additional_lump_sum"] == 0
    assert "届け出られていない" in b.summary and "been declared" in b.summary_en
    assert "よていが 出て いない" in b.summary_easy
    for m in b.per_member:
        assert m.amount == 0
        assert "届け出られていない" in m.reason
        assert "no childcare leave has been declared" in m.reason_en.lower()
        assert "よていが 出て いない" in m.reason_easy
    r = evaluate(Population.from_households([none]), on, ["childcare_leave_benefit"])
    assert int(r.extra["childcare_leave_topup"][0]) == 0
    # The father declares 14 days: he alone is paid, with the top-up; the mother is still not.
    declared = household([MOTHER, {**FATHER, "childcare_leave_days": 14}, child(born.isoformat())])
    daily = min(5_400_000 // 360, 16_110)
    assert both_modes(declared, on, "childcare_leave_benefit") == (True, daily * 30 * 67 // 100)
    b = explain(declared, on).benefit("childcare_leave_benefit")
    assert b.details["additional_lump_sum"] == daily * 14 * 13 // 100
    mother, father = b.per_member
    assert mother.amount == 0 and "届け出られていない" in mother.reason
    assert father.amount == daily * 30 * 67 // 100


# --- 2. the post-birth top-up: the spouse's leave is not required of a mother on postnatal leave -------


def test_father_top_up_does_not_need_the_mothers_leave() -> None:
    born = "2026-10-01"
    father = {**FATHER, "childcare_leave_days": 14}
    h = household([{**MOTHER, "childcare_leave_days": 0}, father, child(born)])
    e = explain(h, date(2026, 10, 20)).benefit("childcare_leave_benefit")
    daily = min(5_400_000 // 360, 16_110)
    assert e.details["additional_lump_sum"] == daily * 14 * 13 // 100
    r = evaluate(Population.from_households([h]), date(2026, 10, 20), ["childcare_leave_benefit"])
    assert int(r.extra["childcare_leave_topup"][0]) == daily * 14 * 13 // 100

    # The mother's top-up does need the employment-insured father's 14 days.
    def topup(father_days: int) -> int:
        h = household(
            [
                {**MOTHER, "childcare_leave_days": 28},
                {**FATHER, "childcare_leave_days": father_days},
                child(born),
            ]
        )
        return int(
            explain(h, date(2026, 12, 20)).benefit("childcare_leave_benefit").details["additional_lump_sum"]
        )

    assert topup(13) == 0
    mother_daily = 3_600_000 // 360
    assert topup(14) == mother_daily * 28 * 13 // 100 + daily * 14 * 13 // 100


# --- reasons a resident reads ----------------------------------------------------------------------------


def test_reasons_carry_no_iso_dates_internal_names_or_member_ids() -> None:
    import re

    members = [
        {**MOTHER, "id": "zz-mother", "expecting_due_date": "2027-03-01", "childcare_leave_days": 20},
        {**FATHER, "id": "zz-father", "childcare_leave_days": 14, "birth_leave_days": 10},
        {"id": "zz-teen", "role": "child", "birth_date": "2005-05-05", "supported": False},
        {"id": "zz-kid", "role": "child", "birth_date": "2023-11-10"},
        {"id": "zz-baby", "role": "child", "birth_date": "2026-11-10", "birth_weight_g": 2300},
    ]
    for single in (False, True):
        e = explain(household(members, single_parent=single), date(2026, 11, 26))
        for b in e.benefits:
            texts = [b.summary, b.summary_en] + [t for m in b.per_member for t in (m.reason, m.reason_en)]
            for t in texts:
                assert not re.search(r"\d{4}-\d{2}-\d{2}", t), (b.id, t)
                assert "zz-" not in t and "supported=" not in t and "single_parent" not in t, (b.id, t)
                assert "満たないの" not in t and "まで第3子" not in t, (b.id, t)
    kid = explain(household(members), date(2026, 11, 26)).benefit("child_allowance")
    reason = next(m.reason for m in kid.per_member if m.member == "zz-kid")
    assert "3歳の誕生月" in reason and "3歳に満たない" not in reason
    ma = explain(household(members), date(2026, 11, 26)).benefit("maternity_allowance")
    assert "年収の12分の1" in ma.per_member[0].reason  # no grade given: say what the number is


EASY_FROM_TEXTS = (
    "childbirth_lump_sum",
    "pregnancy_support_benefit",
    "child_medical_subsidy",
    "single_parent_allowance",
    "maternity_allowance",
    "childcare_leave_benefit",
    "premature_infant_care",
)


def _walk() -> list[tuple[str, str, str]]:
    """(benefit, language, text) of every summary and reason, for households that reach every branch."""
    kids = [
        {"id": "zz-kid", "role": "child", "birth_date": "2023-11-10"},
        {"id": "zz-baby", "role": "child", "birth_date": "2026-11-10", "birth_weight_g": 1900},
    ]
    lost = {**MOTHER, "id": "zz-mother", "insurance": "nhi", "pregnancy_ended_on": "2026-10-01"}
    cases = [
        [
            {**MOTHER, "id": "zz-mother", "expecting_due_date": "2027-03-01", "childcare_leave_days": 20},
            *kids,
        ],
        [{**MOTHER, "id": "zz-mother", "childcare_leave_days": 14}, {**FATHER, "id": "zz-father"}, *kids],
        [lost, {"id": "zz-old", "role": "child", "birth_date": "2004-05-05"}],
        [
            {**MOTHER, "id": "zz-mother", "insurance": "employee", "annual_income": 0},
            {**FATHER, "id": "zz-f"},
        ],
    ]
    out: list[tuple[str, str, str]] = []
    for members in cases:
        for single in (False, True):
            for municipality in ("990019", "990027", "990035"):
                h = household(members, single_parent=single).model_copy(update={"municipality": municipality})
                for on in (date(2026, 11, 26), date(2027, 2, 1)):
                    for b in explain(h, on).benefits:
                        out += [
                            (b.id, "ja", b.summary),
                            (b.id, "en", b.summary_en),
                            (b.id, "easy", b.summary_easy),
                        ]
                        for m in b.per_member:
                            out += [
                                (b.id, "ja", m.reason),
                                (b.id, "en", m.reason_en),
                                (b.id, "easy", m.reason_easy),
                            ]
    return out


def test_every_reason_reads_in_three_languages() -> None:
    """Resident-grade reasons: each benefit's summary and every member's reason in ja, en and easy
    Japanese — no ISO dates, internal names, enum values or member ids, no stray spaces in Japanese."""
    import re

    walked = _walk()
    assert {b for b, _, _ in walked} >= set(EASY_FROM_TEXTS)
    for benefit, lang, text in walked:
        assert text, (benefit, lang)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), (benefit, text)
        assert "zz-" not in text and "=False" not in text and "=True" not in text, (benefit, text)
        assert "  " not in text and text == text.strip(), (benefit, lang, text)
        assert not re.search(r" [。、）]", text), (benefit, lang, text)
        if lang == "ja":
            # a space in Japanese only around an operator of a calculation (× ÷ = →)
            for m in re.finditer(r"(.) (.)", text):
                assert m.group(1) in "×÷=" or m.group(2) in "×÷=", (benefit, text)
        if lang == "en":
            assert not re.search(r"\b(nhi|employee|full|partial|none)\b[,.)]", text), (benefit, text)
    easy = [(b, t) for b, lang, t in walked if lang == "easy"]
    assert any(b == "childbirth_lump_sum" and "もらえます" in t for b, t in easy)
    assert any(b == "single_parent_allowance" and "1か月" in t for b, t in easy)


def test_the_code_of_a_municipality_is_never_said() -> None:
    h = household([MOTHER, child(date(2026, 11, 10).isoformat())]).model_copy(
        update={"municipality": "123456"}
    )
    b = explain(h, date(2026, 11, 26)).benefit("child_medical_subsidy")
    assert "123456" not in b.summary + b.summary_en + b.summary_easy and b.summary_easy
