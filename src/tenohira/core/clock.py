"""Japan's calendar: the platform works out days, deadlines and ages on Japan's date.

The machine's clock may run in UTC, where the date is still yesterday's until 09:00 in Japan;
every "today" that a rule, a deadline or a form checks is Japan's.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def today_jst() -> date:
    """Today in Japan."""
    return datetime.now(JST).date()
