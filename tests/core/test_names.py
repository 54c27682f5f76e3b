"""One name rule (戸籍法 50) for the palm, the assistant and the municipality."""

import pytest

from tenohira.core.names import (
    check_given_name,
    check_reading,
    invalid_name_characters,
    is_kana_reading,
    permitted_kanji,
    to_katakana,
    without_spaces,
)


def test_the_kanji_file_is_the_kanji_lists_package() -> None:
    kanji_lists = pytest.importorskip("kanji_lists")
    joyo, jinmeiyo = permitted_kanji()
    assert joyo == frozenset(kanji_lists.JOYO) and len(joyo) == 2136
    assert jinmeiyo == frozenset(kanji_lists.JINMEIYO)


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("陽翔", []),
        ("さくら々", []),
        ("ハルトー", []),
        ("髙志", ["髙"]),
        ("𠮷", ["𠮷"]),
        ("Ken", ["K", "e", "n"]),
    ],
)
def test_permitted_characters(name: str, bad: list[str]) -> None:
    assert invalid_name_characters(name) == bad
    assert bool(check_given_name(name)[1]) == bool(bad)


def test_a_name_begins_with_a_character() -> None:
    assert check_given_name("ー太")[1] and check_given_name("々子")[1]
    assert check_given_name("")[1][0].message_ja == "子の名を入力してください"
    assert check_given_name("あ" * 11)[1]


def test_the_reading_is_kana_recorded_in_katakana() -> None:
    assert check_reading("ひまり") == ("ヒマリ", [])
    for bad in ("himari", "陽葵", "ッタ", "ーア", "ア" * 21):
        assert check_reading(bad)[1], bad
    assert is_kana_reading("ヤマダ　ヒマリ") and not is_kana_reading("ヤマダ1")
    assert to_katakana("ゆうと") == "ユウト" and without_spaces("山田　陽翔 ") == "山田陽翔"
