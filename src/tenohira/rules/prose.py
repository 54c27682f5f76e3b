"""Small formatting helpers the older deciders still use inline (the sentences themselves move to
:mod:`tenohira.rules.texts`); dates and yen go through :mod:`tenohira.core.wording`."""

from __future__ import annotations

from datetime import date

from tenohira.core import wording
from tenohira.rules.dates import (
    japanese_date,
)

INSURANCE_JA = {"employee": "被用者保険（健康保険）", "nhi": "国民健康保険", "none": "なし"}


def yen(n: int) -> str:
    """``15,000円``."""
    return wording.yen(n, "ja")


def yen_en(n: int) -> str:
    """``15,000 yen``."""
    return f"{n:,} yen"


def ordinal_en(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``…"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def jdate(d: date) -> str:
    """``令和8年（2026年）3月31日``."""
    return japanese_date(d)


def en_date(d: date) -> str:
    """``31 March 2026`` (no ISO dates inside sentences)."""
    return wording.date_words(d, "en")
