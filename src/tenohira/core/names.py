"""Names of people as the family register allows them, in one place for every module.

A child's name may use only 常用漢字, 人名用漢字, hiragana, katakana, the prolonged sound mark
``ー`` and the iteration marks ``ゝゞヽヾ々`` (戸籍法 50, 戸籍法施行規則 60). Names already on a
register (a parent's own) are not re-checked: old forms are lawful there. Since 2025-05-26 the
reading of the name (氏名の振り仮名) is recorded in katakana and must be a reading generally
accepted for the characters; only its form (kana) can be checked by a machine, the rest is the
registrar's.

The list of kanji is the repository file ``name_kanji.txt`` beside this module, generated from
the PyPI package ``kanji-lists`` (MIT; its JOYO and JINMEIYO sets; see the file's header); a test
checks the file against the package. Used by the palm's form checks, the assistant's dialogue
and the municipality's registration of a birth, so that all three refuse the same characters.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tenohira.core.problems import FieldError

KANJI_FILE = "name_kanji.txt"
MAX_GIVEN_NAME = 10  # characters of a given name the registry takes
MAX_READING = 20  # kana of its reading
ITERATION_MARKS = frozenset("ゝゞヽヾ々")
LONG_MARK = "ー"
_SPACES = re.compile(r"[\s\u3000]+")
SMALL_KANA = "ァィゥェォッャュョヮヵヶ"  # a reading may not begin with one


@lru_cache(maxsize=1)
def permitted_kanji() -> tuple[frozenset[str], frozenset[str]]:
    """(常用漢字, 人名用漢字) as read from the repository data file."""
    text = resources.files("tenohira.core").joinpath(KANJI_FILE).read_text("utf-8")
    sections: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current:
            sections[current] = sections.get(current, "") + line.strip()
    return frozenset(sections["joyo"]), frozenset(sections["jinmeiyo"])


def is_hiragana(ch: str) -> bool:
    """ぁ … ゖ."""
    return "ぁ" <= ch <= "ゖ"


def is_katakana(ch: str) -> bool:
    """ァ … ヺ."""
    return "ァ" <= ch <= "ヺ"


def is_name_kana(ch: str) -> bool:
    """Kana a name may be written with: hiragana, katakana, ``ー`` and the iteration marks."""
    return is_hiragana(ch) or is_katakana(ch) or ch == LONG_MARK or ch in ITERATION_MARKS


def invalid_name_characters(name: str) -> list[str]:
    """The characters of ``name`` not permitted in a child's name (empty list: all permitted)."""
    joyo, jinmeiyo = permitted_kanji()
    return [ch for ch in name if not (is_name_kana(ch) or ch in joyo or ch in jinmeiyo)]


def to_katakana(text: str) -> str:
    """Hiragana → katakana; everything else unchanged."""
    return "".join(chr(ord(c) + 0x60) if is_hiragana(c) else c for c in text)


def without_spaces(value: str) -> str:
    """``value`` without the spaces (half- or full-width) between surname and given name."""
    return _SPACES.sub("", value)


def is_kana_reading(value: str) -> bool:
    """A reading is hiragana or katakana (with ``ー``; spaces between surname and given name)."""
    text = without_spaces(value)
    return bool(text) and all(is_hiragana(ch) or is_katakana(ch) or ch == LONG_MARK for ch in text)


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
    bad = invalid_name_characters(name)
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
    elif name[0] in ITERATION_MARKS or name[0] == LONG_MARK:
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
    if any(not (is_katakana(c) or c == LONG_MARK) for c in reading):
        errors.append(
            FieldError(
                field,
                "The reading must be written in kana only",
                "よみかたはカタカナ（またはひらがな）で入力してください",
            )
        )
    elif reading[0] == LONG_MARK or reading[0] in SMALL_KANA:
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


def _rebuild(path: Path) -> None:
    """Regenerate the data file from the kanji-lists package (developer tool)."""
    import kanji_lists  # type: ignore[import-untyped]

    joyo, jinmeiyo = kanji_lists.JOYO, kanji_lists.JINMEIYO
    path.write_text(
        "# Kanji permitted in a child's name (戸籍法 50, 戸籍法施行規則 60): 常用漢字 + 人名用漢字.\n"
        f"# Generated from the PyPI package kanji-lists {kanji_lists.__version__} (MIT, Daniel Lemm): "
        f"JOYO (平成22年 常用漢字表, {len(joyo)}) and JINMEIYO.REIWA8 ({len(jinmeiyo)}).\n"
        "# Regenerate: python -m tenohira.core.names --rebuild  (needs kanji-lists installed).\n"
        f"[joyo]\n{''.join(sorted(joyo))}\n[jinmeiyo]\n{''.join(sorted(jinmeiyo))}\n",
        encoding="utf-8",
    )


if __name__ == "__main__" and sys.argv[1:] == ["--rebuild"]:
    _rebuild(Path(__file__).parent / KANJI_FILE)
