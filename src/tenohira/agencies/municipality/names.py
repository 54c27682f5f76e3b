"""Rules for the names of children entered in the registry (戸籍法 50, 戸籍法施行規則 60).

A child's name may use only 常用漢字, 人名用漢字, hiragana, katakana, the prolonged sound
mark ``ー`` and the iteration marks ``ゝゞヽヾ々``. Since 2025-05-26 the reading of the name
(氏名の振り仮名) is recorded in katakana and must be a reading generally accepted for the
characters; only its form (katakana) can be checked by a machine, the rest is the registrar's.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from tenohira.core.problems import FieldError

MAX_GIVEN_NAME = 10
MAX_READING = 20
_ITERATION = set("ゝゞヽヾ々")
_LONG = "ー"


@lru_cache(maxsize=1)
def name_kanji() -> frozenset[str]:
    """常用漢字 (2010 list) ∪ 人名用漢字 (current list), from the kanji-lists package."""
    import kanji_lists  # type: ignore[import-untyped]

    return frozenset(kanji_lists.JOYO) | frozenset(kanji_lists.JINMEIYO)


def _is_hiragana(c: str) -> bool:
    return "ぁ" <= c <= "ゖ"


def _is_katakana(c: str) -> bool:
    return "ァ" <= c <= "ヺ"


def to_katakana(text: str) -> str:
    """Hiragana → katakana; everything else unchanged."""
    return "".join(chr(ord(c) + 0x60) if _is_hiragana(c) else c for c in text)


def check_given_name(value: str, field: str = "given_name") -> tuple[str, list[FieldError]]:
    """The normalised given name and the problems with it (empty if it may be registered)."""
    name = unicodedata.normalize("NFC", value.strip())
    errors: list[FieldError] = []
    if not name:
        return name, [FieldError(field, "The child's name is required", "子の名を入力してください")]
    if len(name) > MAX_GIVEN_NAME:
        errors.append(
            FieldError(
                field,
                f"The name is longer than {MAX_GIVEN_NAME} characters",
                f"名は{MAX_GIVEN_NAME}文字以内で入力してください",
            )
        )
    kanji = name_kanji()
    bad = [
        c
        for c in name
        if not (c in kanji or _is_hiragana(c) or _is_katakana(c) or c in _ITERATION or c == _LONG)
    ]
    if bad:
        shown = "、".join(dict.fromkeys(bad))
        errors.append(
            FieldError(
                field,
                f"These characters cannot be used in a child's name: {shown} "
                "(only 常用/人名用 kanji, hiragana and katakana)",
                f"子の名に使えない文字が含まれています：{shown}（常用漢字・人名用漢字・ひらがな・カタカナのみ）",
            )
        )
    elif name[0] in _ITERATION or name[0] == _LONG:
        errors.append(
            FieldError(
                field,
                "A name cannot begin with ー or an iteration mark",
                "名の最初に「ー」や「々」は使えません",
            )
        )
    return name, errors


def check_reading(value: str, field: str = "given_name_kana") -> tuple[str, list[FieldError]]:
    """The reading in katakana (hiragana accepted and converted) and the problems with it."""
    reading = to_katakana(unicodedata.normalize("NFC", value.strip()))
    if not reading:
        return reading, [
            FieldError(field, "The reading of the name is required", "名のよみかたを入力してください")
        ]
    errors: list[FieldError] = []
    if any(not (_is_katakana(c) or c == _LONG) for c in reading):
        errors.append(
            FieldError(
                field,
                "The reading must be written in kana only",
                "よみかたはカタカナ（またはひらがな）で入力してください",
            )
        )
    elif reading[0] == _LONG or reading[0] in "ァィゥェォッャュョヮヵヶ":
        errors.append(
            FieldError(
                field, "The reading cannot begin with this kana", "よみかたの最初の文字が正しくありません"
            )
        )
    if len(reading) > MAX_READING:
        errors.append(
            FieldError(
                field,
                f"The reading is longer than {MAX_READING} kana",
                f"よみかたは{MAX_READING}文字以内です",
            )
        )
    return reading, errors
