"""Legal age and school-year arithmetic, scalar and vectorised."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tenohira.rules.dates import (
    age_on,
    anniversary,
    anniversary_days_v,
    date_key,
    reaches_age_on,
    school_cohort,
    school_cohort_v,
    school_year_end,
    split_dates,
    to_days,
    under_age_at_month_start,
    under_age_at_month_start_v,
)


def test_born_1_april_and_2_april_fall_in_different_school_years() -> None:
    # A child born on 1 April reaches 18 on 31 March: the school year of 18 ends that same day.
    assert reaches_age_on(date(2008, 4, 1), 18) == date(2026, 3, 31)
    assert school_year_end(date(2008, 4, 1), 18) == date(2026, 3, 31)
    # Born a day later: reaches 18 on 1 April, so a whole school year more.
    assert school_year_end(date(2008, 4, 2), 18) == date(2027, 3, 31)
    assert school_cohort(date(2008, 4, 1)) != school_cohort(date(2008, 4, 2))


def test_age_is_reached_the_day_before_the_birthday() -> None:
    born = date(2020, 6, 15)
    assert age_on(born, date(2023, 6, 13)) == 2
    assert age_on(born, date(2023, 6, 14)) == 3
    # 29 February: the anniversary in a common year is 1 March, so the age comes on 28 February.
    leap = date(2020, 2, 29)
    assert anniversary(leap, 1) == date(2021, 3, 1)
    assert age_on(leap, date(2021, 2, 27)) == 0
    assert age_on(leap, date(2021, 2, 28)) == 1


def test_under_three_is_decided_at_the_start_of_the_month() -> None:
    # Born on the 1st: reaches 3 on the last day of the previous month, so the birthday month is already 3+.
    assert under_age_at_month_start(date(2023, 5, 1), 3, date(2026, 4, 20))
    assert not under_age_at_month_start(date(2023, 5, 1), 3, date(2026, 5, 20))
    # Born on the 2nd: reaches 3 on the 1st itself, which still counts as under 3 for that month.
    assert under_age_at_month_start(date(2023, 5, 2), 3, date(2026, 5, 20))
    assert not under_age_at_month_start(date(2023, 5, 2), 3, date(2026, 6, 1))


dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=300, deadline=None)
@given(births=st.lists(dates, min_size=1, max_size=40), on=dates, years=st.integers(1, 22))
def test_vectorised_forms_agree_with_scalar(births: list[date], on: date, years: int) -> None:
    days = np.array([to_days(b) for b in births], dtype=np.int64)
    y, m, d = split_dates(days)
    assert list(y) == [b.year for b in births] and list(m) == [b.month for b in births]
    assert list(school_cohort_v(y, m, d)) == [school_cohort(b) for b in births]
    assert list(under_age_at_month_start_v(y, m, d, years, on)) == [
        under_age_at_month_start(b, years, on) for b in births
    ]
    assert list(anniversary_days_v(days, years)) == [to_days(anniversary(b, years)) for b in births]
    on_key = on.year * 10_000 + on.month * 100 + on.day
    assert list(on_key < date_key(y + years, m, d)) == [on < anniversary(b, years) for b in births]
    for b in births:
        r = reaches_age_on(b, years)
        assert age_on(b, r) == years and age_on(b, r - timedelta(days=1)) == years - 1


def test_japanese_era_dates() -> None:
    from tenohira.rules.dates import era_year, japanese_date

    assert era_year(date(2019, 4, 30)) == "平成31年"
    assert era_year(date(2019, 5, 1)) == "令和元年"
    assert era_year(date(1989, 1, 7)) == "昭和64年"
    assert era_year(date(1989, 1, 8)) == "平成元年"
    assert japanese_date(date(2026, 3, 31)) == "令和8年（2026年）3月31日"
