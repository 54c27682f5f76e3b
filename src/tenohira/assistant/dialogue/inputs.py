"""What the resident typed: screening bad input, and reading one answer for one field.

Screening comes before anything else: empty, too long, binary (control characters, lone
surrogates) and markup/script are answered politely and never stored or echoed as received.
Field answers are read by the field's type, not by the intent classifier (a bare name such as
陽翔です says nothing about intent), and checked the way the palm checks them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from tenohira.assistant.nlu import find_dates, invalid_name_characters
from tenohira.assistant.nlu.text import hiragana, katakana, normalize, reading
from tenohira.procedures import FieldSpec

MAX_MESSAGE = 1000

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript:|on[a-z]+\s*=|&#|&[a-z]+;|\{\{|\$\{", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u3000]+")
_POLITE_TAIL = re.compile(
    r"(です|でした|だよ|だ|と申します|といいます|と言います|にしました|にします|で(お願い|おねがい)します)?[。．.!！?？、,\s]*$"
)
_LEAD = re.compile(
    r"^(名前は|なまえは|読みは|よみは|読み方は|よみかたは|the name is|name:|reading:|it'?s|it is)\s*", re.I
)


@dataclass(frozen=True)
class Screened:
    """The text to work on, or why it is refused (``problem``: empty | long | binary | markup)."""

    text: str
    problem: str | None = None


def screen(raw: object) -> Screened:
    """Check one message before it is understood, stored or shown anywhere."""
    if not isinstance(raw, str):
        return Screened("", "binary")
    if len(raw) > MAX_MESSAGE:
        return Screened("", "long")
    for ch in raw:
        category = unicodedata.category(ch)
        if category in ("Cs", "Co", "Cn") or (category == "Cc" and ch not in "\n\r\t"):
            return Screened("", "binary")
    if _MARKUP.search(raw):
        return Screened("", "markup")
    text = raw.strip()
    if not text:
        return Screened("", "empty")
    return Screened(text)


@dataclass(frozen=True)
class Answer:
    """A field's value read from an answer, or an error key (texts.py) with parameters."""

    value: Any = None
    error: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    also: tuple[tuple[str, Any], ...] = ()  # other fields answered in passing (a reading with a name)


def _core(text: str) -> str:
    text = normalize(text)
    text = _LEAD.sub("", text.strip())
    return _POLITE_TAIL.sub("", text).strip("「」『』\"' ")


def is_kana_text(text: str) -> bool:
    """Kana only (hiragana, katakana, ー, and spaces)."""
    core = _SPACES.sub("", text)
    return bool(core) and all("ぁ" <= ch <= "ゖ" or "ァ" <= ch <= "ヺ" or ch == "ー" for ch in core)


# Hepburn romaji → katakana, for residents who type the reading in Latin letters.
_ROMAJI = {
    "kya": "キャ", "kyu": "キュ", "kyo": "キョ", "sha": "シャ", "shu": "シュ", "sho": "ショ",
    "cha": "チャ", "chu": "チュ", "cho": "チョ", "nya": "ニャ", "nyu": "ニュ", "nyo": "ニョ",
    "hya": "ヒャ", "hyu": "ヒュ", "hyo": "ヒョ", "mya": "ミャ", "myu": "ミュ", "myo": "ミョ",
    "rya": "リャ", "ryu": "リュ", "ryo": "リョ", "gya": "ギャ", "gyu": "ギュ", "gyo": "ギョ",
    "ja": "ジャ", "ju": "ジュ", "jo": "ジョ", "bya": "ビャ", "byu": "ビュ", "byo": "ビョ",
    "pya": "ピャ", "pyu": "ピュ", "pyo": "ピョ", "shi": "シ", "chi": "チ", "tsu": "ツ",
    "ka": "カ", "ki": "キ", "ku": "ク", "ke": "ケ", "ko": "コ", "sa": "サ", "su": "ス", "se": "セ",
    "so": "ソ", "ta": "タ", "te": "テ", "to": "ト", "na": "ナ", "ni": "ニ", "nu": "ヌ", "ne": "ネ",
    "no": "ノ", "ha": "ハ", "hi": "ヒ", "fu": "フ", "he": "ヘ", "ho": "ホ", "ma": "マ", "mi": "ミ",
    "mu": "ム", "me": "メ", "mo": "モ", "ya": "ヤ", "yu": "ユ", "yo": "ヨ", "ra": "ラ", "ri": "リ",
    "ru": "ル", "re": "レ", "ro": "ロ", "wa": "ワ", "wo": "ヲ", "ga": "ガ", "gi": "ギ", "gu": "グ",
    "ge": "ゲ", "go": "ゴ", "za": "ザ", "ji": "ジ", "zu": "ズ", "ze": "ゼ", "zo": "ゾ", "da": "ダ",
    "de": "デ", "do": "ド", "ba": "バ", "bi": "ビ", "bu": "ブ", "be": "ベ", "bo": "ボ", "pa": "パ",
    "pi": "ピ", "pu": "プ", "pe": "ペ", "po": "ポ", "a": "ア", "i": "イ", "u": "ウ", "e": "エ", "o": "オ",
}  # fmt: skip
_LONG = {"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ee", "ō": "ou"}


def romaji_to_katakana(text: str) -> str | None:
    """``Haruto`` → ``ハルト`` (Hepburn; None if the text is not romaji)."""
    word = "".join(_LONG.get(ch, ch) for ch in text.lower().strip())
    if not re.fullmatch(r"[a-z' -]+", word) or not word.strip():
        return None
    out: list[str] = []
    i = 0
    while i < len(word):
        ch = word[i]
        if ch in " -'":
            out.append(" " if ch == " " else "")
            i += 1
            continue
        if ch == "n" and (i + 1 == len(word) or word[i + 1] not in "aiueoy"):
            out.append("ン")
            i += 1
            continue
        if i + 1 < len(word) and ch == word[i + 1] and ch not in "aiueon":
            out.append("ッ")
            i += 1
            continue
        for size in (3, 2, 1):
            piece = _ROMAJI.get(word[i : i + size])
            if piece:
                out.append(piece)
                i += size
                break
        else:
            return None
    return "".join(out).strip() or None


def read_name(text: str, slots: dict[str, Any]) -> Answer:
    """A name chosen for a child: kanji (常用・人名用) or kana; a reading given with it is kept too."""
    name = slots.get("name") if isinstance(slots.get("name"), str) else None
    reading = slots.get("name_kana") if isinstance(slots.get("name_kana"), str) else None
    if name is None:
        core = _core(text)
        match = re.fullmatch(r"(.+?)[（(]([ぁ-ゖァ-ヺー\s]+)[)）]", core)
        if match:
            core, reading = match.group(1).strip(), katakana(match.group(2).strip())
        name = core
    name = unicodedata.normalize("NFC", _SPACES.sub("", name))
    if not name or len(name) > 20:
        return Answer(error="invalid_text")
    if re.search(r"[A-Za-z]", name):
        return Answer(error="invalid_name_latin")
    bad = invalid_name_characters(name)
    if bad:
        return Answer(error="invalid_name_chars", params=(("chars", "、".join(dict.fromkeys(bad))),))
    also: tuple[tuple[str, Any], ...] = ()
    if reading and is_kana_text(reading):
        also = (("name_kana", katakana(_SPACES.sub("", reading))),)
    return Answer(value=name, also=also)


def read_kana(text: str, slots: dict[str, Any]) -> Answer:
    """A reading in kana (stored in katakana, as the family register records it); romaji is converted."""
    reading = slots.get("name_kana") if isinstance(slots.get("name_kana"), str) else None
    core = reading or _core(text)
    core = _SPACES.sub("", core)
    if is_kana_text(core):
        return Answer(value=katakana(core))
    converted = romaji_to_katakana(_core(text))
    if converted:
        return Answer(value=_SPACES.sub("", converted))
    return Answer(error="invalid_kana")


# Everyday words for choices, beyond the catalogue's labels (matched on the reading too).
CHOICE_WORDS: dict[str, tuple[str, ...]] = {
    "mother": ("お母さん", "おかあさん", "ママ", "mom", "mum", "はは"),
    "father": ("お父さん", "おとうさん", "パパ", "dad", "ちち"),
    "nhi": ("国保", "こくほ", "国民健康保険", "national health", "nhi"),
    "employee_self": ("本人", "自分", "ほんにん", "じぶん", "own", "myself", "i am insured"),
    "employee_dependant": ("扶養", "ふよう", "dependant", "dependent", "family's"),
}


def read_choice(text: str, spec: FieldSpec) -> Answer:
    """One of the field's choices, by its Japanese or English word, its value or an everyday word.

    Japanese is compared on its hiragana reading as well, so はは finds 母 and こくほ finds 国保.
    """
    core = normalize(text).lower()
    sound = hiragana(reading(core))
    best: tuple[int, str] | None = None
    for choice in spec.choices or []:
        words = [choice.ja, choice.en.lower(), choice.value.lower(), *CHOICE_WORDS.get(choice.value, ())]
        for word in words:
            if not word:
                continue
            spoken = hiragana(reading(word))
            found = word in core or (len(spoken) >= 2 and spoken in sound)
            if found and (best is None or len(word) > best[0]):
                best = (len(word), choice.value)
    if best is None:
        return Answer(error="invalid_choice")
    return Answer(value=best[1])


def read_number(text: str, slots: dict[str, Any]) -> Answer:
    """A whole number ≥ 0 (kanji and full-width digits too; いない/none is 0)."""
    for key in ("count", "weight_g", "amount_yen"):
        if isinstance(slots.get(key), int):
            return Answer(value=int(slots[key]))
    numbers = slots.get("numbers")
    if isinstance(numbers, list) and numbers and isinstance(numbers[0], int):
        return Answer(value=int(numbers[0]))
    core = _core(text)
    if re.fullmatch(r"(いない|いません|いません。|なし|ない|ゼロ|none|no|zero|no one|nobody)", core, re.I):
        return Answer(value=0)
    return Answer(error="invalid_number")


def read_date(text: str, today: date, slots: dict[str, Any]) -> Answer:
    """A date (Western, era or relative)."""
    value = slots.get("date")
    if isinstance(value, str):
        return Answer(value=value)
    found = find_dates(text, today=today)
    if found:
        return Answer(value=found[0].value.isoformat())
    return Answer(error="date_not_understood")


def read_sex(text: str) -> Answer:
    core = normalize(text).lower()
    if any(w in core for w in ("女", "おんな", "girl", "female")):
        return Answer(value="female")
    if any(w in core for w in ("男", "おとこ", "boy", "male")):
        return Answer(value="male")
    return Answer(error="invalid_choice")


def read_text(text: str) -> Answer:
    """Free text (an address, a phone number…), kept as written."""
    core = normalize(text).strip()
    if not core or len(core) > 200:
        return Answer(error="invalid_text")
    return Answer(value=core)


TYPED_IN_APP = frozenset({"credential", "document", "agency_code"})


def read_field(spec: FieldSpec, text: str, today: date, slots: dict[str, Any]) -> Answer:
    """Read ``text`` as the answer to ``spec``."""
    kind = spec.type
    if kind == "name_kanji":
        return read_name(text, slots)
    if kind == "name_kana":
        return read_kana(text, slots)
    if kind == "choice":
        return read_choice(text, spec)
    if kind in ("count", "amount", "weight_g"):
        return read_number(text, slots)
    if kind == "date":
        return read_date(text, today, slots)
    if kind == "sex":
        return read_sex(text)
    if kind == "boolean":
        answer = slots.get("answer")
        return Answer(value=answer == "yes") if answer in ("yes", "no") else Answer(error="invalid_choice")
    return read_text(text)
