"""The platform's one wording: dates, amounts, durations and labels in ja / en / easy_ja."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime

import pytest

from tenohira.core import wording as w


@pytest.mark.parametrize(
    ("day", "lang", "expected"),
    [
        (date(2026, 12, 3), "ja", "令和8年（2026年）12月3日"),
        (date(2019, 5, 1), "ja", "令和元年（2019年）5月1日"),
        (date(2019, 4, 30), "ja", "平成31年（2019年）4月30日"),
        (date(1989, 1, 7), "ja", "昭和64年（1989年）1月7日"),
        (date(2026, 12, 3), "en", "3 December 2026"),
        (date(2026, 12, 3), "easy_ja", "2026{年|ねん}{12月|じゅうにがつ}{3日|みっか}"),
        (date(2026, 4, 1), "easy_ja", "2026{年|ねん}{4月|しがつ}{1日|ついたち}"),
        (date(2026, 9, 24), "easy_ja", "2026{年|ねん}{9月|くがつ}{24日|にじゅうよっか}"),
        (date(2026, 7, 17), "easy_ja", "2026{年|ねん}{7月|しちがつ}{17日|じゅうしちにち}"),
        (date(2026, 11, 29), "easy_ja", "2026{年|ねん}{11月|じゅういちがつ}{29日|にじゅうくにち}"),
    ],
)
def test_dates_in_words(day: date, lang: w.Language, expected: str) -> None:
    assert w.date_words(day, lang) == expected
    assert w.date_words(day.isoformat(), lang) == expected


def test_weekdays_and_timestamps_in_japan_time() -> None:
    assert w.date_words(date(2026, 12, 3), "ja", weekday=True).endswith("（木）")
    assert w.date_words(date(2026, 12, 3), "en", weekday=True) == "Thu 3 December 2026"
    # 23:30 UTC is already the next morning in Japan; naive timestamps are UTC (SQLite)
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert w.datetime_words(late, "ja") == "令和8年（2026年）12月3日 08:30"
    assert w.datetime_words("2026-12-02T23:30:00", "en") == "3 December 2026 08:30"
    assert w.date_words(None, "ja") == "" and w.datetime_words("", "en") == ""


def test_yen_days_months_ages() -> None:
    assert [w.yen(25_000, lang) for lang in w.LANGUAGES] == ["25,000円", "¥25,000", "25,000{円|えん}"]
    assert w.yen(-300, "en") == "-¥300"
    assert [w.days(14, lang) for lang in w.LANGUAGES] == ["14日", "14 days", "{14日|じゅうよっか}"]
    assert w.days(1, "en") == "1 day" and w.days(1, "easy_ja") == "{1日|いちにち}"
    assert w.days(120, "easy_ja") == "120{日|にち}"
    assert w.age(1, "ja", 6) == "1歳6か月" and w.age(1, "en", 6) == "1 year 6 months"
    assert w.quantity(3367, "g", "ja") == "3,367グラム" and w.quantity(3367, "g", "en") == "3,367 g"


def test_easy_japanese_readings_never_split_a_word() -> None:
    """Every mark covers a whole word: a counter with its number (3日 みっか), never a lone kanji of it."""
    text = w.date_words(date(2026, 12, 3), "easy_ja") + w.days(3, "easy_ja")
    bases = [m.group(1) for m in w.RUBY_MARK.finditer(text)]
    assert "3日" in bases and "日" not in bases
    assert w.plain(text) == "2026年12月3日3日"


def test_every_label_has_three_languages_and_no_code_leaks() -> None:
    data = tomllib.loads(w.LABELS_FILE.read_text(encoding="utf-8"))
    assert data, "labels.toml is empty"
    for kind, entries in data.items():
        for code, entry in entries.items():
            assert set(entry) == {"ja", "en", "easy_ja"}, (kind, code)
            for lang in w.LANGUAGES:
                words = w.plain(entry[lang])
                assert words and words != code, (kind, code, lang)
            japanese = [c for c in entry["en"] if "\u3000" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"]
            assert not japanese, (kind, code)
            assert "（" not in entry["en"] and "、" not in entry["en"], (kind, code)


def test_unknown_codes_are_noted_and_never_shown() -> None:
    w.UNLABELLED.discard(("relationship", "cousin-3"))
    assert w.label("relationship", "mother", "en") == "Mother"
    assert w.label("service", "municipality.no-such-service", "ja") == "手のひら市役所"  # its agency
    shown = w.label("relationship", "cousin-3", "en")
    assert "cousin" not in shown and ("relationship", "cousin-3") in w.UNLABELLED
    w.UNLABELLED.discard(("relationship", "cousin-3"))
    assert w.label_or("relationship", "cousin-3", "ja", "親族") == "親族"
    assert w.as_language("fr") == "ja" and w.as_language("en") == "en"
