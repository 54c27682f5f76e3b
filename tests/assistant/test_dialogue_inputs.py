"""Reading answers by field type, screening bad input, and the reading marks of easy Japanese."""

from __future__ import annotations

from datetime import date

import pytest

from tenohira.assistant.dialogue import texts
from tenohira.assistant.dialogue.engine import HOUSEHOLD_QUESTIONS, household_from_answers
from tenohira.assistant.dialogue.inputs import (
    read_choice,
    read_field,
    read_kana,
    read_name,
    read_number,
    romaji_to_katakana,
    screen,
)
from tenohira.procedures import load_catalogue
from tenohira.rules import explain

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "empty"),
        ("\u3000 \n", "empty"),
        ("a" * 1001, "long"),
        ("ok\x00", "binary"),
        ("\x1b[31m", "binary"),
        ("\ud83d", "binary"),
        (b"bytes", "binary"),
        (None, "binary"),
        ("<b>太字</b>", "markup"),
        ("<!-- x -->", "markup"),
        ("&lt;script&gt;", "markup"),
        ("click javascript:void(0)", "markup"),
        ("${jndi:ldap://x}", "markup"),
    ],
)
def test_screen_refuses(raw: object, problem: str) -> None:
    assert screen(raw).problem == problem


@pytest.mark.parametrize(
    "raw", ["子どもが生まれました", "1 < 2 ではない", "a" * 1000, "I <3 you", "改行\nあり"]
)
def test_screen_accepts(raw: str) -> None:
    assert screen(raw).problem is None and screen(raw).text == raw.strip()


@pytest.mark.parametrize(
    ("romaji", "kana"),
    [
        ("Haruto", "ハルト"),
        ("Yuuto", "ユウト"),
        ("Shinnosuke", "シンノスケ"),
        ("Kenta", "ケンタ"),
        ("Ryōta", "リョウタ"),
        ("Ippei", "イッペイ"),
        ("Jun'ichi", "ジュンイチ"),
        ("Kotchi", None),
        ("陽翔", None),
        ("x1", None),
    ],
)
def test_romaji(romaji: str, kana: str | None) -> None:
    assert romaji_to_katakana(romaji) == kana


def test_names() -> None:
    assert read_name("陽翔です", {}).value == "陽翔"
    answer = read_name("陽翔（はると）にしました", {})
    assert answer.value == "陽翔" and answer.also == (("name_kana", "ハルト"),)
    assert read_name("ひなた", {}).value == "ひなた"
    bad = read_name("𠮷太", {})
    assert bad.error == "invalid_name_chars" and dict(bad.params)["chars"] == "𠮷"
    assert read_name("髙橋", {}).error == "invalid_name_chars"
    assert read_name("Haruto", {}).error == "invalid_name_latin"
    assert read_name("あ" * 21, {}).error == "invalid_text"


def test_readings() -> None:
    assert read_kana("はると", {}).value == "ハルト"
    assert read_kana("読みはハルトです", {}).value == "ハルト"
    assert read_kana("Haruto", {}).value == "ハルト"
    assert read_kana("陽翔", {}).error == "invalid_kana"


def test_choices_by_label_reading_and_everyday_word() -> None:
    relation = load_catalogue().get("birth_notification").field("relation_to_child")
    assert read_choice("母です", relation).value == "mother"
    assert read_choice("はは", relation).value == "mother"
    assert read_choice("I'm the father", relation).value == "father"
    assert read_choice("助産師", relation).value == "midwife"
    assert read_choice("わからない", relation).error == "invalid_choice"
    insurance = HOUSEHOLD_QUESTIONS["mother_insurance"]
    assert read_choice("こくほ", insurance).value == "nhi"
    assert read_choice("夫の扶養です", insurance).value == "employee_dependant"


def test_numbers_and_dates() -> None:
    assert read_number("二人です", {"count": 2}).value == 2
    assert read_number("いません", {}).value == 0
    assert read_number("たくさん", {}).error == "invalid_number"
    date_field = load_catalogue().get("birth_notification").field("birth_date")
    assert read_field(date_field, "令和8年11月3日", TODAY, {}).value == "2026-11-03"
    assert read_field(date_field, "いつだっけ", TODAY, {}).error == "date_not_understood"


def test_easy_japanese_marks_only_for_our_own_words() -> None:
    said = texts.say("corrected", "easy_ja", label="名前", value="{悪|わる}い")
    assert "{直|なお}しました" in said  # our furigana stays
    assert "{悪|わる}" not in said and "（悪|わる）" in said  # the resident's braces never become marks
    assert texts.plain("{漢字|かんじ}を {読|よ}む") == "漢字を 読む"


def test_household_from_answers_is_what_the_rules_decide_on() -> None:
    birth = date(2026, 11, 20)
    dependant = household_from_answers(
        {"parent_role": "mother", "mother_insurance": "employee_dependant", "older_children": 2}, birth
    )
    decided = explain(dependant, TODAY)
    assert decided.benefit("maternity_allowance").eligible is False  # a dependant has none
    baby = next(m for m in decided.benefit("child_allowance").per_member if m.member == "baby")
    assert baby.amount == 30_000  # third child
    own = household_from_answers({"mother_insurance": "employee_self", "older_children": 0}, birth)
    assert explain(own, TODAY).benefit("maternity_allowance").eligible is True
    assert explain(own, TODAY).benefit("childcare_leave_benefit").eligible is True
