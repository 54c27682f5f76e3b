"""A child's name in kanji and its reading in kana, and whether the kanji may be used.

A name may use 常用漢字, 人名用漢字, hiragana, katakana and a few marks (戸籍法 50, 戸籍法施行規則
60). The list of kanji is the repository file ``data/name_kanji.txt``, generated from the
PyPI package ``kanji-lists`` (MIT; JOYO and JINMEIYO sets); see the header of that file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from tenohira.assistant.nlu.text import katakana

_KANA_MARKS = set("ー々ゝゞヽヾ")
_KANJI_RE = "[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff々〆]"
_KANA_RE = "[ぁ-ゖァ-ヺー]"
_NAME_CHAR = f"(?:{_KANJI_RE}|{_KANA_RE})"
DATA_FILE = "data/name_kanji.txt"


@lru_cache(maxsize=1)
def permitted_kanji() -> tuple[frozenset[str], frozenset[str]]:
    """(常用漢字, 人名用漢字) as read from the repository data file."""
    text = resources.files("tenohira.assistant.nlu").joinpath(DATA_FILE).read_text("utf-8")
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


def is_kana(ch: str) -> bool:
    return "ぁ" <= ch <= "ゖ" or "ァ" <= ch <= "ヺ" or ch in _KANA_MARKS


def invalid_name_characters(name: str) -> list[str]:
    """The characters of ``name`` not permitted in a name (empty list: all permitted)."""
    joyo, jinmeiyo = permitted_kanji()
    return [ch for ch in name if not (is_kana(ch) or ch in joyo or ch in jinmeiyo)]


def is_valid_reading(reading: str) -> bool:
    """A reading is kana only (hiragana or katakana, with ー)."""
    return bool(reading) and all("ぁ" <= ch <= "ゖ" or "ァ" <= ch <= "ヺ" or ch == "ー" for ch in reading)


@dataclass(frozen=True)
class NameSlots:
    name: str | None = None
    reading: str | None = None

    def as_slots(self) -> dict[str, object]:
        slots: dict[str, object] = {}
        if self.name:
            slots["name"] = self.name
            bad = invalid_name_characters(self.name)
            slots["name_permitted"] = not bad
            if bad:
                slots["name_invalid_characters"] = bad
        if self.reading:
            # 戸籍 records the reading (振り仮名) in katakana
            slots["name_kana"] = katakana(self.reading)
        return slots


_END = (
    r"(?=[」』\"”]|です|だよ|だ|にし|にする|にします|にしました|で[、,。 ]|で$"
    r"|と(?:いい|言い|申し|名付|書|読)|、|,|。|\s|[（(]|$|!|！|\?|？)"
)
_NAME_AFTER = re.compile(
    rf"(?:名前|なまえ|氏名|お名前)\s*(?:は|を|:)\s*[「『\"“]?\s*((?:{_NAME_CHAR}){{1,10}}?)\s*[」』\"”]?{_END}"
)
_READING_AFTER = re.compile(
    rf"(?:読み方|読みかた|よみかた|読み|よみ|ふりがな|フリガナ|振り仮名|読み仮名)\s*(?:は|を|が|:)\s*((?:{_KANA_RE}){{1,20}}?)"
    rf"(?=です|だよ|だ|ではなく|じゃなく|で[、,。 ]|で$|と読|に|、|,|。|\s|$|!|！)"
)
_INLINE = re.compile(rf"((?:{_KANJI_RE}){{1,6}})\s*[（(]\s*((?:{_KANA_RE}){{1,20}})\s*[)）]")
_WRITTEN_READ = re.compile(rf"((?:{_NAME_CHAR}){{1,10}})と書いて\s*((?:{_KANA_RE}){{1,20}})と読")
_NAMED = re.compile(rf"((?:{_KANJI_RE}){{1,6}})\s*と(?:名付け|名づけ|命名)")
_EN_NAME = re.compile(rf"(?:name|called|named)\s*(?:is|:)?\s*((?:{_NAME_CHAR}){{1,10}})", re.I)
_EN_READING = re.compile(rf"(?:reading|read as|pronounced)\s*(?:is|:)?\s*((?:{_KANA_RE}){{1,20}})", re.I)


_INSTEAD = re.compile(
    rf"(?<=[はをが:])\s*((?:{_NAME_CHAR}){{1,20}}?)\s*(?:ではなく|じゃなくて|じゃなく)\s*((?:{_NAME_CHAR}){{1,20}})"
)


def find_name(text: str) -> NameSlots:
    """The name and/or reading mentioned in ``text`` (normalised text expected)."""
    instead = _INSTEAD.search(text)
    if instead:  # 読みはユウトではなくユイトです: the corrected value is the second one
        text = text[: instead.start(1)] + instead.group(2) + text[instead.end(2) :]
    name = reading = None
    for pattern in (_WRITTEN_READ, _INLINE):
        m = pattern.search(text)
        if m:
            name, reading = m.group(1), m.group(2)
            break
    if name is None:
        for pattern in (_NAME_AFTER, _NAMED, _EN_NAME):
            m = pattern.search(text)
            if m:
                candidate = m.group(1)
                if all(is_kana(ch) for ch in candidate) and reading is None and pattern is _NAME_AFTER:
                    # 名前は はると: a name given in kana only is the name (and its own reading)
                    name = candidate
                else:
                    name = candidate
                break
    if reading is None:
        for pattern in (_READING_AFTER, _EN_READING):
            m = pattern.search(text)
            if m:
                reading = m.group(1)
                break
    return NameSlots(name, reading)


def _rebuild(path: Path) -> None:
    """Regenerate the data file from the kanji-lists package (developer tool)."""
    import kanji_lists

    joyo, jinmeiyo = kanji_lists.JOYO, kanji_lists.JINMEIYO
    path.write_text(
        "# Kanji permitted in a child's name (戸籍法 50, 戸籍法施行規則 60): 常用漢字 + 人名用漢字.\n"
        f"# Generated from the PyPI package kanji-lists {kanji_lists.__version__} (MIT, Daniel Lemm): "
        f"JOYO (平成22年 常用漢字表, {len(joyo)}) and JINMEIYO.REIWA8 ({len(jinmeiyo)}).\n"
        "# Regenerate: python -m tenohira.assistant.nlu.names --rebuild  (needs kanji-lists installed).\n"
        f"[joyo]\n{''.join(sorted(joyo))}\n[jinmeiyo]\n{''.join(sorted(jinmeiyo))}\n",
        encoding="utf-8",
    )


if __name__ == "__main__" and sys.argv[1:] == ["--rebuild"]:
    _rebuild(Path(__file__).parent / DATA_FILE)
