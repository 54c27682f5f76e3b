"""Legal date arithmetic: ages, school years, payment months.

A person reaches an age at the end of the day *before* the birthday (年齢計算ニ関スル法律,
民法 143), so "the end of the school year in which the child turns 18" (18歳に達する日以後の
最初の3月31日) is 31 March of the year the child turns 18 for a child born on 1 April, and a year
later for a child born on 2 April. Everything here has a scalar form (used by explanations) and
a vectorised form over ``datetime64[D]`` arrays (used by population screening); tests check that
they agree.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from tenohira.core import wording

EPOCH = date(1970, 1, 1)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def to_days(d: date) -> int:
    """Days since 1970-01-01 (the integer behind ``datetime64[D]``)."""
    return d.toordinal() - EPOCH.toordinal()


def from_days(days: int) -> date:
    """Inverse of :func:`to_days`."""
    return date.fromordinal(EPOCH.toordinal() + int(days))


def anniversary(birth: date, years: int) -> date:
    """The ``years``-th birthday; a 29 February birthday falls on 1 March in common years."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def reaches_age_on(birth: date, years: int) -> date:
    """The day on which a person reaches ``years`` of age: the day before the birthday."""
    return anniversary(birth, years) - timedelta(days=1)


def age_on(birth: date, on: date) -> int:
    """Legal age on ``on`` (the age counts from the day before the birthday)."""
    next_day = on + timedelta(days=1)
    years = next_day.year - birth.year
    if anniversary(birth, years) > next_day:
        years -= 1
    return years


def school_cohort(birth: date) -> int:
    """The fiscal year in which a child's school years are counted from.

    Children born 2 April of year Y to 1 April of year Y+1 share a cohort (Y+1 here): those born on
    1 April reach each age on 31 March, still in the earlier school year.
    """
    return birth.year + (1 if (birth.month, birth.day) > (4, 1) else 0)


def school_year_end(birth: date, years: int) -> date:
    """The first 31 March on or after the day the child reaches ``years``.

    (…歳に達する日以後の最初の3月31日)
    """
    return date(school_cohort(birth) + years, 3, 31)


def fiscal_year(on: date) -> int:
    """Japanese fiscal / school year (April to March) that contains ``on``."""
    return on.year if on.month >= 4 else on.year - 1


def month_index(on: date) -> int:
    """Months since year 0, so that consecutive months differ by one."""
    return on.year * 12 + on.month - 1


def month_start(on: date) -> date:
    """First day of the month of ``on``."""
    return on.replace(day=1)


def add_months(month: int, months: int) -> int:
    """Month index arithmetic (kept for symmetry with the vectorised code)."""
    return month + months


def month_label(index: int) -> str:
    """``YYYY-MM`` of a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def under_age_at_month_start(birth: date, years: int, on: date) -> bool:
    """True when, on the first day of the month of ``on``, the child has not yet reached ``years``.

    Monthly allowances are decided by the child's status at the start of each month: a child born on
    the 1st reaches 3 on the last day of the previous month, one born on the 2nd on the 1st itself.
    """
    return month_start(on) <= reaches_age_on(birth, years)


def through_birthday_month(birth: date, years: int, on: date) -> bool:
    """True while the month of ``on`` is not after the month of the ``years``-th birthday.

    The child allowance's under-3 amount runs through the month of the third birthday for every
    child (児童手当法 第6条 treats a child born on the 1st as under three until three years from the
    birth have passed; a reduction applies from the next month, 第9条). A 29 February child's
    birthday month is February.
    """
    return month_index(on) <= (birth.year + years) * 12 + birth.month - 1


def next_payment_month(entitlement_month: int, payment_months: list[int]) -> int:
    """The month index in which the allowance for ``entitlement_month`` is paid.

    Payments fall in the listed calendar months and cover the months *before* the payment month.
    """
    m = entitlement_month + 1
    while (m % 12) + 1 not in payment_months:
        m += 1
    return m


def era_year(d: date) -> str:
    """The Japanese era year of ``d`` (``令和8年``; the first year is ``元年``), for screens and documents."""
    return wording.era_year(d)


def japanese_date(d: date) -> str:
    """``令和8年（2026年）3月31日``: the era first, as documents show it, with the Western year beside it."""
    return wording.date_words(d, "ja")


# --- vectorised forms -------------------------------------------------------------------------------


def split_dates(days: npt.NDArray[np.int64]) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month (1-12) and day (1-31) of an array of day numbers.

    Integer arithmetic only (H. Hinnant's civil-from-days): several times faster than converting
    through ``datetime64[M]``/``[Y]``, which dominated the population run.
    """
    z = days.astype(np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day: IntArray = doy - (153 * mp + 2) // 5 + 1
    month: IntArray = np.where(mp < 10, mp + 3, mp - 9)
    year: IntArray = yoe + era * 400 + (month <= 2)
    return year, month, day


def date_key(year: IntArray | int, month: IntArray | int, day: IntArray | int) -> IntArray:
    """``YYYYMMDD`` as an integer, so calendar dates compare with one integer comparison."""
    result: IntArray = np.asarray(year * 10_000 + month * 100 + day, dtype=np.int64)
    return result


def school_cohort_v(year: IntArray, month: IntArray, day: IntArray) -> IntArray:
    """Vectorised :func:`school_cohort`."""
    later = (month > 4) | ((month == 4) & (day > 1))
    result: IntArray = year + later.astype(np.int64)
    return result


def under_age_at_month_start_v(
    year: IntArray, month: IntArray, day: IntArray, years: int, on: date
) -> BoolArray:
    """Vectorised :func:`under_age_at_month_start`.

    The month start is before the day of reaching ``years`` (birthday − 1) exactly when it is
    before the birthday itself: in an earlier month, or in the birthday's month when the birthday
    is not the 1st. A 29 February birthday behaves as 1 March in common years, which this keeps
    (February still counts, March does not).
    """
    m_on = month_index(on)
    m_birthday = (year + years) * 12 + month - 1
    result: BoolArray = (m_on < m_birthday) | ((m_on == m_birthday) & (day > 1))
    return result


def through_birthday_month_v(year: IntArray, month: IntArray, years: int, on: date) -> BoolArray:
    """Vectorised :func:`through_birthday_month`."""
    result: BoolArray = month_index(on) <= (year + years) * 12 + month - 1
    return result


def anniversary_days_v(days: npt.NDArray[np.int64], years: int) -> IntArray:
    """Vectorised :func:`anniversary` as day numbers (29 Feb → 1 Mar in common years)."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    offset = (d - months).astype(np.int64)
    shifted = (months + 12 * years).astype("datetime64[D]").astype(np.int64)
    result: IntArray = shifted + offset
    return result
