"""Dates in what residents write: Western, Japanese era, and relative to today.

Forms: 2026年11月3日, 2026/11/3, 2026-11-03, 11月3日 (this year), November 3 2026, 3 Nov,
令和7年11月3日, 令和元年5月1日, R7.11.3, H31/4/30, 昭和64年1月7日, 今日, 昨日, おととい,
明日, 3日前, 2週間前, 先週の金曜日, 今週の月曜日, 来週の火曜日, yesterday, 3 days ago,
last Friday. Kanji numerals are read as digits first (十一月三日). An impossible date
(令和1年4月30日, 2月30日) is not a date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from tenohira.assistant.nlu.text import normalize, with_digits

# (name, initial for the short form, first day, Western year of 元年)
ERAS: tuple[tuple[str, str, date], ...] = (
    ("令和", "R", date(2019, 5, 1)),
    ("平成", "H", date(1989, 1, 8)),
    ("昭和", "S", date(1926, 12, 25)),
    ("大正", "T", date(1912, 7, 30)),
)
_ERA_BY_NAME = {name: start for name, _, start in ERAS}
_ERA_BY_INITIAL = {initial: start for _, initial, start in ERAS}
_ERA_END = {
    "令和": None,
    "平成": date(2019, 4, 30),
    "昭和": date(1989, 1, 7),
    "大正": date(1926, 12, 24),
}
_ERA_NAME_BY_INITIAL = {initial: name for name, initial, _ in ERAS}

_WEEKDAYS_JA = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
_WEEKDAYS_EN = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
_MONTHS_EN = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")]
    )
    for m in names
}  # fmt: skip


@dataclass(frozen=True)
class FoundDate:
    """A date found in the text, with the words it came from."""

    value: date
    text: str
    start: int


def era_to_western(era: str, year: int) -> int:
    """The Western year of ``era`` year ``year`` (元年 = 1): 令和7 → 2025."""
    return _ERA_BY_NAME[era].year + year - 1


def to_era(day: date) -> str:
    """``day`` in the Japanese era, as shown on screens: 令和8年11月26日 (元年 for year 1)."""
    for name, _, start in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _era_date(era: str, year: int, month: int, day: int) -> date | None:
    result = _safe_date(era_to_western(era, year), month, day)
    if result is None or result < _ERA_BY_NAME[era]:
        return None
    end = _ERA_END[era]
    return None if end is not None and result > end else result


_ERA_FULL = re.compile(r"(令和|平成|昭和|大正)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ERA_SHORT = re.compile(r"(?<![A-Za-z])([RHSTrhst])\s*(\d{1,2})[./\-年](\d{1,2})[./\-月](\d{1,2})日?")
_WESTERN_JA = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_WESTERN_NUM = re.compile(r"(?<!\d)(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?!\d)")
_MONTH_DAY_JA = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH_NAME = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_EN_MDY = re.compile(rf"\b({_MONTH_NAME})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(\d{{4}}))?\b", re.I)
_EN_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAME})\.?(?:,?\s*(\d{{4}}))?\b", re.I)
_AGO_JA = re.compile(r"(\d{1,3})\s*(日|週間|か月|ヶ月|カ月|ヵ月)\s*(前|後)")
_AGO_EN = re.compile(r"\b(\d{1,3}|a|one|two|three)\s+(day|week)s?\s+(ago|later|from now)\b", re.I)
_WEEK_JA = re.compile(r"(先々週|先週|今週|来週|再来週)\s*の?\s*([月火水木金土日])\s*曜日?")
_WEEK_EN = re.compile(r"\b(last|this|next)\s+(" + "|".join(_WEEKDAYS_EN) + r")\b", re.I)
_RELATIVE_JA = (
    ("一昨日", -2), ("おととい", -2), ("おとつい", -2), ("昨日", -1), ("きのう", -1),
    ("今日", 0), ("きょう(?!だい|いく|つう|りょく|み)", 0), ("本日", 0), ("明日", 1), ("あした", 1),
    ("明後日", 2), ("あさって", 2),
)  # fmt: skip
_RELATIVE_EN = (("day before yesterday", -2), ("yesterday", -1), ("today", 0), ("tomorrow", 1))
_EN_WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3}


def _month_shift(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _without_year(today: date, month: int, day: int) -> date | None:
    """A month and day without a year: this year, unless that is more than half a year ahead
    (12月28日 said on 5 January means last December)."""
    value = _safe_date(today.year, month, day)
    if value is not None and (value - today).days > 183:
        return _safe_date(today.year - 1, month, day)
    return value


def find_dates(text: str, *, today: date) -> list[FoundDate]:
    """Every date in ``text``, in order of appearance (relative forms against ``today``)."""
    source = with_digits(normalize(text))
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], value: date | None) -> None:
        if value is None or any(s < match.end() and match.start() < e for s, e in taken):
            return
        taken.append((match.start(), match.end()))
        found.append(FoundDate(value, match.group(0), match.start()))

    for m in _ERA_FULL.finditer(source):
        add(
            m,
            _era_date(
                m.group(1), 1 if m.group(2) == "元" else int(m.group(2)), int(m.group(3)), int(m.group(4))
            ),
        )
    for m in _ERA_SHORT.finditer(source):
        era = _ERA_NAME_BY_INITIAL[m.group(1).upper()]
        add(m, _era_date(era, int(m.group(2)), int(m.group(3)), int(m.group(4))))
    for m in _WESTERN_JA.finditer(source):
        add(m, _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _WESTERN_NUM.finditer(source):
        add(m, _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _MONTH_DAY_JA.finditer(source):
        add(m, _without_year(today, int(m.group(1)), int(m.group(2))))
    for m in _EN_MDY.finditer(source):
        month, day = _MONTHS_EN[m.group(1).lower()], int(m.group(2))
        add(m, _safe_date(int(m.group(3)), month, day) if m.group(3) else _without_year(today, month, day))
    for m in _EN_DMY.finditer(source):
        month, day = _MONTHS_EN[m.group(2).lower()], int(m.group(1))
        add(m, _safe_date(int(m.group(3)), month, day) if m.group(3) else _without_year(today, month, day))
    for m in _WEEK_JA.finditer(source):
        weeks = {"先々週": -2, "先週": -1, "今週": 0, "来週": 1, "再来週": 2}[m.group(1)]
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
        add(m, monday + timedelta(days=_WEEKDAYS_JA[m.group(2)]))
    for m in _WEEK_EN.finditer(source):
        target = _WEEKDAYS_EN[m.group(2).lower()]
        which = m.group(1).lower()
        if which == "last":  # the most recent such day before today
            delta = (today.weekday() - target) % 7 or 7
            add(m, today - timedelta(days=delta))
        elif which == "next":  # the first such day after today
            delta = (target - today.weekday()) % 7 or 7
            add(m, today + timedelta(days=delta))
        else:
            add(m, today - timedelta(days=today.weekday()) + timedelta(days=target))
    for m in _AGO_JA.finditer(source):
        n, unit, direction = int(m.group(1)), m.group(2), m.group(3)
        sign = -1 if direction == "前" else 1
        if unit == "日":
            add(m, today + timedelta(days=sign * n))
        elif unit == "週間":
            add(m, today + timedelta(weeks=sign * n))
        else:
            add(m, _month_shift(today, sign * n))
    for m in _AGO_EN.finditer(source):
        raw = m.group(1).lower()
        n = _EN_WORD_NUMBERS.get(raw) or int(raw)
        sign = -1 if m.group(3).lower() == "ago" else 1
        add(m, today + timedelta(days=sign * n * (7 if m.group(2).lower() == "week" else 1)))
    lowered = source.lower()
    for words, offset in (*_RELATIVE_JA, *_RELATIVE_EN):
        for m in re.finditer(words if "(" in words else re.escape(words), lowered):
            add(m, today + timedelta(days=offset))
    return sorted(found, key=lambda f: f.start)
