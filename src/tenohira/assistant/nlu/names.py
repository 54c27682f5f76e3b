"""A child's name in kanji and its reading in kana, as found in what the resident said.

Whether the characters may be used in a name is the one rule of ``tenohira.core.names``
(戸籍法 50, 戸籍法施行規則 60), shared with the palm's form checks and the municipality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tenohira.assistant.nlu.text import katakana
from tenohira.core.names import invalid_name_characters
from tenohira.core.names import is_name_kana as is_kana

_KANJI_RE = "[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff々〆]"
_KANA_RE = "[ぁ-ゖァ-ヺー]"
_NAME_CHAR = f"(?:{_KANJI_RE}|{_KANA_RE})"


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
