"""Business days and legal deadlines.

Japanese administrative deadlines end on the next business day when they fall on a
day the offices are closed: Saturdays, Sundays, national holidays (国民の祝日に関する法律,
including substitute and "citizens'" holidays) and the year-end break 12/29–1/3
(行政機関の休日に関する法律 第1条, 第2条). National holidays come from the maintained
``holidays`` package rather than a home-made table, so new holidays arrive with an update.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("JP", years=[year]).keys())


def is_national_holiday(day: date) -> bool:
    """Whether ``day`` is a Japanese national holiday (祝日, 振替休日, 国民の休日)."""
    return day in _national_holidays(day.year)


def is_year_end_break(day: date) -> bool:
    """Whether ``day`` is in the year-end break 12/29–1/3 (年末年始の休日)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    """Whether government offices are open on ``day`` (行政機関の休日 excluded)."""
    return day.weekday() < 5 and not is_national_holiday(day) and not is_year_end_break(day)


def next_business_day(day: date) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month (民法 143 ②)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(
    event_date: date,
    *,
    days: int = 0,
    months: int = 0,
    years: int = 0,
    event_day_is_day_1: bool = True,
) -> date:
    """The last day of a period counted from ``event_date`` (before any holiday shift).

    With ``event_day_is_day_1`` (初日算入, e.g. 戸籍法 43) the event day is the first day, so
    14 days from 1 May end on 14 May. Otherwise the period starts the next day (初日不算入,
    民法 140) and 14 days end on 15 May. Months and years end on the day before the
    corresponding day of the first day counted (民法 143 ②).
    """
    first = event_date if event_day_is_day_1 else event_date + timedelta(days=1)
    if days:
        return first + timedelta(days=days - 1)
    total_months = months + 12 * years
    if total_months:
        # 民法 143 ②: the period ends the day before the day corresponding to the first day;
        # when the last month has no such day, it ends on that month's last day.
        target_month = add_months(date(first.year, first.month, 1), total_months)
        last_day = calendar.monthrange(target_month.year, target_month.month)[1]
        if first.day > last_day:
            return date(target_month.year, target_month.month, last_day)
        return date(target_month.year, target_month.month, first.day) - timedelta(days=1)
    raise ValueError("a period needs days, months or years")
