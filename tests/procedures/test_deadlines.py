"""Deadlines with legal counting and the business-day shift, on real calendar dates."""

from __future__ import annotations

from datetime import date

import pytest

from tenohira.procedures import deadline_for, is_business_day, load_catalogue, next_business_day, period_end


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2026, 11, 26), True),  # a Thursday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 11, 3), False),  # 文化の日
        (date(2026, 5, 6), False),  # 振替休日 (5/3 was a Sunday)
        (date(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2026, 12, 28), True),  # last working day of the year
        (date(2026, 12, 29), False),  # year-end break (a Tuesday)
        (date(2027, 1, 1), False),
        (date(2027, 1, 3), False),
        (date(2027, 1, 4), True),
    ],
)
def test_business_days(day: date, open_: bool) -> None:
    assert is_business_day(day) is open_


def test_next_business_day() -> None:
    assert next_business_day(date(2026, 11, 26)) == date(2026, 11, 26)
    assert next_business_day(date(2026, 5, 2)) == date(2026, 5, 7)  # Golden Week 2026
    assert next_business_day(date(2026, 12, 29)) == date(2027, 1, 4)


def test_period_counting() -> None:
    # 初日算入 (戸籍法 43): 14 days from 1 May end on 14 May; 初日不算入 (民法 140): 15 May
    assert period_end(date(2026, 5, 1), days=14) == date(2026, 5, 14)
    assert period_end(date(2026, 5, 1), days=14, event_day_is_day_1=False) == date(2026, 5, 15)
    # months (民法 143): 3 months from 10 Jan (day 1) end on 9 Apr; without day 1 on 10 Apr
    assert period_end(date(2027, 1, 10), months=3) == date(2027, 4, 9)
    assert period_end(date(2027, 1, 10), months=3, event_day_is_day_1=False) == date(2027, 4, 10)
    # no corresponding day: ends on the last day of the month
    assert period_end(date(2026, 11, 30), months=3, event_day_is_day_1=False) == date(2027, 2, 28)
    assert period_end(date(2028, 2, 29), years=2, event_day_is_day_1=False) == date(2030, 2, 28)
    with pytest.raises(ValueError):
        period_end(date(2026, 1, 1))


@pytest.mark.parametrize(
    ("birth", "due"),
    [
        (date(2026, 11, 10), date(2026, 11, 24)),  # day 14 = 11/23 勤労感謝の日 (Mon) → 11/24
        (date(2026, 4, 20), date(2026, 5, 7)),  # day 14 = 5/3 → Golden Week → Thursday 5/7
        (date(2026, 4, 28), date(2026, 5, 11)),  # day 14 = 5/11 (Mon), no shift
        (date(2026, 12, 20), date(2027, 1, 4)),  # day 14 = 1/2 → year-end break → 1/4
        (date(2026, 12, 16), date(2027, 1, 4)),  # day 14 = 12/29 → 1/4
        (date(2026, 12, 15), date(2026, 12, 28)),  # day 14 = 12/28 (Mon), the last open day
        (date(2027, 3, 8), date(2027, 3, 23)),  # day 14 = 3/21 春分の日 (Sun) → 3/22 振替休日 → 3/23
    ],
)
def test_birth_notification_deadline(birth: date, due: date) -> None:
    procedure = load_catalogue().get("birth_notification")
    assert deadline_for(procedure, birth) == due


def test_fifteen_day_rule_counts_from_the_day_after_birth() -> None:
    claim = load_catalogue().get("child_allowance_claim")
    assert deadline_for(claim, date(2026, 11, 10)) == date(2026, 11, 25)
    # 5/1 + 15 days from the next day = 5/16 (Saturday) → Monday 5/18
    assert deadline_for(claim, date(2026, 5, 1)) == date(2026, 5, 18)


def test_dependant_notice_over_golden_week() -> None:
    dependant = load_catalogue().get("employee_insurance_dependant")
    # day 5 = 5/2 (Sat), then 5/3–5/6 holidays → 5/7
    assert deadline_for(dependant, date(2026, 4, 28)) == date(2026, 5, 7)


def test_no_computable_deadline() -> None:
    catalogue = load_catalogue()
    for pid in ("premature_infant_care", "child_medical_subsidy", "childbirth_lump_sum", "checkup_3y"):
        assert deadline_for(catalogue.get(pid), date(2026, 11, 10)) is None


def test_prescription_periods_do_not_shift() -> None:
    remainder = load_catalogue().get("childbirth_lump_sum_remainder")
    # from the next day, 2 years: ends 2028-11-10 even though the rule ignores closed days
    assert deadline_for(remainder, date(2026, 11, 10)) == date(2028, 11, 10)


def test_fifteen_day_rule_matches_a_municipal_example() -> None:
    # 高槻市: a child born on 30 September is paid from October if claimed by 15 October
    claim = load_catalogue().get("child_allowance_claim")
    assert deadline_for(claim, date(2026, 9, 30)) == date(2026, 10, 15)
