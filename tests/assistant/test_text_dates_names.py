"""Normalisation, numbers, language, dates and names."""

from __future__ import annotations

from datetime import date

import pytest

from tenohira.assistant.nlu.dates import find_dates, to_era
from tenohira.assistant.nlu.names import find_name
from tenohira.assistant.nlu.text import detect_language, kanji_to_int, normalize, with_digits
from tenohira.core.names import invalid_name_characters, permitted_kanji

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("kanji", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("二〇二六", 2026), ("三千五百", 3500),
     ("一万二千", 12000), ("四十八万", 480000), ("百", 100)],
)  # fmt: skip
def test_kanji_numbers(kanji: str, value: int) -> None:
    assert kanji_to_int(kanji) == value


def test_digits_only_where_they_are_numbers() -> None:
    assert with_digits(normalize("令和七年十一月三日")) == "令和7年11月3日"
    assert with_digits(normalize("子どもは三人")) == "子どもは3人"
    assert with_digits("出産育児一時金") == "出産育児一時金"
    assert with_digits("一緒に行きます") == "一緒に行きます"
    assert normalize("２，５００ｇ　です") == "2500g です"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("子供が生まれたのだけど、役所にはどんな手続きが必要なの？", "ja"),
        ("こどもがうまれたんだけど なにをすればいい", "ja"),
        ("あかちゃんが うまれました。 なにを すれば いいですか", "easy_ja"),
        ("We just had a baby", "en"),
        ("Ｗｅ ｊｕｓｔ ｈａｄ ａ ｂａｂｙ", "en"),
        ("The name is 陽翔", "en"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert detect_language(normalize(text)) == language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年11月3日", date(2025, 11, 3)),
        ("令和七年十一月三日", date(2025, 11, 3)),
        ("R7.11.3", date(2025, 11, 3)),
        ("r7/11/3", date(2025, 11, 3)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("2026年11月3日", date(2026, 11, 3)),
        ("２０２６年１１月３日", date(2026, 11, 3)),
        ("2026/11/3", date(2026, 11, 3)),
        ("2026-11-03", date(2026, 11, 3)),
        ("11月3日", date(2026, 11, 3)),
        ("November 3, 2026", date(2026, 11, 3)),
        ("3rd Nov 2026", date(2026, 11, 3)),
        ("今日", TODAY),
        ("昨日", date(2026, 11, 25)),
        ("おととい", date(2026, 11, 24)),
        ("一昨日", date(2026, 11, 24)),
        ("明日", date(2026, 11, 27)),
        ("3日前", date(2026, 11, 23)),
        ("三日前", date(2026, 11, 23)),
        ("2週間前", date(2026, 11, 12)),
        ("先週の金曜日", date(2026, 11, 20)),
        ("先週の月曜", date(2026, 11, 16)),
        ("今週の月曜日", date(2026, 11, 23)),
        ("来週の火曜日", date(2026, 12, 1)),
        ("yesterday", date(2026, 11, 25)),
        ("3 days ago", date(2026, 11, 23)),
        ("last Friday", date(2026, 11, 20)),
        ("last Thursday", date(2026, 11, 19)),
        ("next Monday", date(2026, 11, 30)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    found = find_dates(text, today=TODAY)
    assert [f.value for f in found] == [expected]


@pytest.mark.parametrize(
    "text", ["令和1年4月30日", "平成31年5月1日", "2026年2月30日", "13月1日", "昭和65年1月1日"]
)
def test_impossible_dates_are_not_dates(text: str) -> None:
    assert find_dates(text, today=TODAY) == []


def test_a_date_without_year_near_new_year_is_last_december() -> None:
    assert find_dates("12月28日に生まれました", today=date(2027, 1, 5))[0].value == date(2026, 12, 28)
    assert find_dates("12月1日に引っ越します", today=date(2026, 11, 26))[0].value == date(2026, 12, 1)


def test_not_dates() -> None:
    assert find_dates("きょうだいが二人います", today=TODAY) == []


def test_era_display() -> None:
    assert to_era(date(2019, 5, 1)) == "令和元年5月1日"
    assert to_era(date(2026, 11, 26)) == "令和8年11月26日"
    assert to_era(date(1989, 1, 7)) == "昭和64年1月7日"


def test_permitted_kanji_list() -> None:
    joyo, jinmeiyo = permitted_kanji()
    assert len(joyo) == 2136  # 常用漢字表 (2010)
    assert len(jinmeiyo) > 850
    assert "翔" in jinmeiyo and "陽" in joyo and "鬱" in joyo
    assert invalid_name_characters("陽翔") == []
    assert invalid_name_characters("はるとハルトー") == []
    assert invalid_name_characters("𠮷田") == ["𠮷"]
    assert invalid_name_characters("髙橋") == ["髙"]
    assert invalid_name_characters("abc") == ["a", "b", "c"]


def test_permitted_kanji_file_matches_its_source_package() -> None:
    kanji_lists = pytest.importorskip("kanji_lists")
    joyo, jinmeiyo = permitted_kanji()
    assert joyo == frozenset(kanji_lists.JOYO)
    assert jinmeiyo == frozenset(kanji_lists.JINMEIYO)


@pytest.mark.parametrize(
    ("text", "name", "reading"),
    [
        ("名前は陽翔、読みはハルトです", "陽翔", "ハルト"),
        ("陽翔（はると）にしました", "陽翔", "ハルト"),
        ("陽翔と書いてはるとと読みます", "陽翔", "ハルト"),
        ("名前は瑛太で、よみはえいた", "瑛太", "エイタ"),
        ("蓮と名付けました", "蓮", None),
        ("いいえ、読みはハルトです", None, "ハルト"),
        ("読みはユウトではなくユイトです", None, "ユイト"),
        ("The name is 陽翔, reading はると", "陽翔", "ハルト"),
        ("今日はいい天気", None, None),
    ],
)
def test_names(text: str, name: str | None, reading: str | None) -> None:
    slots = find_name(normalize(text)).as_slots()
    assert (slots.get("name"), slots.get("name_kana")) == (name, reading)
