"""Words residents read: dates, amounts, durations and labels in 日本語, English and やさしい日本語.

One place for how the platform *says* things, so that pages, notices, decision reasons, history
entries and emails read the same (issue #13). It imports only the standard library and core.

- Japanese dates carry the era (和暦) first, as documents show them, with the Western year beside
  it: 「令和8年（2026年）12月3日」. English: "3 December 2026". Easy Japanese uses the Western year
  (many of its readers are foreign residents who do not count in eras) and marks every counter
  with its reading as one word, 「2026{年|ねん}{12月|じゅうにがつ}{3日|みっか}」, so that furigana
  never splits a word and 3日 reads みっか, not さんにち.
- Amounts: 「25,000円」, "¥25,000", 「25,000{円|えん}」.
- Easy-Japanese text marks readings as ``{漢字|かんじ}``; the web turns the marks into ``<ruby>``
  and :func:`plain` drops them for plain-text mail and attributes.
- :func:`label` turns a code (relationship, sex, status, agency, hub service, field name…) into
  words from ``labels.toml``; a code with no label is remembered in :data:`UNLABELLED` (the page
  walk test fails on it) and shown as neutral words, never as the raw identifier.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from tenohira.core.clock import JST

Language = Literal["ja", "en", "easy_ja"]
LANGUAGES: tuple[Language, ...] = ("ja", "en", "easy_ja")

RUBY_MARK = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")

# 元号 (eras) since the Gregorian calendar was adopted; first day of each era.
ERAS: tuple[tuple[date, str, str], ...] = (
    (date(2019, 5, 1), "令和", "Reiwa"),
    (date(1989, 1, 8), "平成", "Heisei"),
    (date(1926, 12, 25), "昭和", "Showa"),
    (date(1912, 7, 30), "大正", "Taisho"),
)
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EASY = ("げつ", "か", "すい", "もく", "きん", "ど", "にち")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_DIGITS = ("", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう")
_MONTH_READINGS = (
    "",
    "いちがつ",
    "にがつ",
    "さんがつ",
    "しがつ",
    "ごがつ",
    "ろくがつ",
    "しちがつ",
    "はちがつ",
    "くがつ",
    "じゅうがつ",
    "じゅういちがつ",
    "じゅうにがつ",
)
# Day-of-month readings that are not 「数＋にち」.
_DAY_READINGS = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}
# Counting days: 1日 is いちにち (ついたち is only the first of a month).
_DAYS_COUNT_READINGS = {**_DAY_READINGS, 1: "いちにち"}
_DIGITS_BEFORE_NICHI = {4: "よ", 7: "しち", 9: "く"}  # 17日 じゅうしちにち, 19日 じゅうくにち


def as_language(value: object) -> Language:
    """``value`` if it names a language, else Japanese."""
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return "ja"


def plain(text: str) -> str:
    """Text without reading marks: ``{漢字|かんじ}`` → ``漢字`` (plain mail, titles, attributes)."""
    return RUBY_MARK.sub(lambda m: m.group(1), text)


def _kana_number(n: int) -> str:
    """Readings of 1–99 (enough for months and days of a month)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("じゅう" if tens == 1 else _DIGITS[tens] + "じゅう")
    return head + _DIGITS[ones]


def _day_reading(n: int, *, counting: bool = False) -> str | None:
    table = _DAYS_COUNT_READINGS if counting else _DAY_READINGS
    if n in table:
        return table[n]
    if not 1 <= n <= 99:
        return None
    tens, ones = divmod(n, 10)
    if ones in _DIGITS_BEFORE_NICHI:
        head = "" if tens == 0 else ("じゅう" if tens == 1 else _DIGITS[tens] + "じゅう")
        return head + _DIGITS_BEFORE_NICHI[ones] + "にち"
    return _kana_number(n) + "にち"


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def era_year(d: date) -> str:
    """``令和8年`` (the first year of an era is ``元年``)."""
    for start, name, _ in ERAS:
        if d >= start:
            n = d.year - start.year + 1
            return f"{name}{'元' if n == 1 else n}年"
    return f"{d.year}年"


def date_words(value: date | datetime | str | None, lang: Language, *, weekday: bool = False) -> str:
    """A date as residents read it.

    ja ``令和8年（2026年）12月3日`` · en ``3 December 2026`` · easy_ja
    ``2026{年|ねん}{12月|じゅうにがつ}{3日|みっか}``; ``weekday`` adds （木）/ "Thu" / （もく）.
    """
    if value is None or value == "":
        return ""
    d = _as_date(value)
    if lang == "en":
        text = f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
        return f"{WEEKDAYS_EN[d.weekday()]} {text}" if weekday else text
    if lang == "easy_ja":
        day = _day_reading(d.day)
        text = f"{d.year}{{年|ねん}}{{{d.month}月|{_MONTH_READINGS[d.month]}}}{{{d.day}日|{day}}}"
        return text + (f"（{{{WEEKDAYS_JA[d.weekday()]}|{WEEKDAYS_EASY[d.weekday()]}}}）" if weekday else "")
    text = f"{era_year(d)}（{d.year}年）{d.month}月{d.day}日"
    return text + (f"（{WEEKDAYS_JA[d.weekday()]}）" if weekday else "")


def datetime_words(value: datetime | str | None, lang: Language) -> str:
    """A moment in Japan time: the date as :func:`date_words` plus ``14:05``.

    Naive timestamps are taken as UTC (SQLite hands them back naive; they are stored in UTC).
    """
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(JST)
    return f"{date_words(moment.date(), lang)} {moment:%H:%M}"


def yen(value: int | None, lang: Language) -> str:
    """``25,000円`` · ``¥25,000`` · ``25,000{円|えん}``."""
    if value is None:
        return ""
    n = int(value)
    if lang == "en":
        return f"-¥{-n:,}" if n < 0 else f"¥{n:,}"
    return f"{n:,}{{円|えん}}" if lang == "easy_ja" else f"{n:,}円"


def days(n: int, lang: Language) -> str:
    """A number of days: ``14日`` · ``14 days`` · ``{14日|じゅうよっか}``."""
    if lang == "en":
        return f"{n} day" if n == 1 else f"{n} days"
    if lang == "easy_ja":
        reading = _day_reading(n, counting=True)
        return f"{{{n}日|{reading}}}" if reading else f"{n:,}{{日|にち}}"
    return f"{n:,}日"


def months(n: int, lang: Language) -> str:
    """A number of months: ``3か月`` · ``3 months`` · ``3か{月|げつ}``."""
    if lang == "en":
        return f"{n} month" if n == 1 else f"{n} months"
    return f"{n}か{{月|げつ}}" if lang == "easy_ja" else f"{n}か月"


def age(years: int, lang: Language, months_: int | None = None) -> str:
    """An age: ``3歳`` / ``1歳6か月`` · ``3 years`` / ``1 year 6 months`` · ``3{歳|さい}``."""
    if lang == "en":
        text = f"{years} year" if years == 1 else f"{years} years"
        return f"{text} {months(months_, lang)}" if months_ else text
    head = f"{years}{{歳|さい}}" if lang == "easy_ja" else f"{years}歳"
    return head + (months(months_, lang) if months_ else "")


_UNITS: dict[str, tuple[str, str, str]] = {
    "g": ("グラム", "g", "グラム"),
    "cm": ("センチメートル", "cm", "センチメートル"),
    "week": ("週", "weeks", "{週|しゅう}"),
    "person": ("人", "people", "{人|にん}"),
}


def quantity(value: int | float, unit: str, lang: Language) -> str:
    """A measured value with its unit: ``3,367グラム`` · ``3,367 g``."""
    ja, en, easy = _UNITS[unit]
    number = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if lang == "en":
        return f"{number} {en}"
    return f"{number}{easy if lang == 'easy_ja' else ja}"


def join(items: list[str], lang: Language) -> str:
    """A list in a sentence: 「A、B」 in Japanese, "A, B" in English (no full-width comma)."""
    return ", ".join(items) if lang == "en" else "、".join(items)


def bracket(text: str, lang: Language) -> str:
    """Text in parentheses: （…） in Japanese, (…) in English."""
    return f" ({text})" if lang == "en" else f"（{text}）"


# --- labels -------------------------------------------------------------------------------------

LABELS_FILE = Path(__file__).with_name("labels.toml")
UNLABELLED: set[tuple[str, str]] = set()
"""``(kind, code)`` pairs asked for with no label (the page walk test fails when it is not empty)."""

_FALLBACK = {
    "ja": "（表示名未登録）",
    "en": "(unnamed)",
    "easy_ja": "（{名前|なまえ}が ない）",
}


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, dict[str, str]]]:
    """Every label, by kind then code: ``{"relationship": {"mother": {"ja": "母", …}}}``."""
    import tomllib

    return tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))


def has_label(kind: str, code: object) -> bool:
    """Whether ``code`` of ``kind`` has words in the labels data."""
    return str(code) in labels().get(kind, {})


def label(kind: str, code: object, lang: Language) -> str:
    """``code`` of ``kind`` in words (easy Japanese keeps reading marks).

    A hub service ``agency.service`` falls back to its agency's label; an unknown code is noted in
    :data:`UNLABELLED` and shown as neutral words rather than as the identifier.
    """
    text = str(code or "")
    entry = labels().get(kind, {}).get(text)
    if entry is None and kind == "service" and "." in text:
        entry = labels().get("agency", {}).get(text.split(".", 1)[0])
    if entry is None:
        UNLABELLED.add((kind, text))
        return _FALLBACK[lang]
    return entry.get(lang) or entry["ja"]


def label_or(kind: str, code: object, lang: Language, default: str) -> str:
    """``code`` in words, or ``default`` (already words) when the labels data has none."""
    return label(kind, code, lang) if has_label(kind, code) else default
