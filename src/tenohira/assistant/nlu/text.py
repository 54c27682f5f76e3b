"""Text normalisation, numbers written in kanji or full-width digits, readings and language.

Everything downstream (classifier, date and name extraction) sees the same normalised
text: NFKC (full-width digits and letters become ASCII, half-width kana become full-width),
one kind of space, and kanji numerals rewritten as digits where they are clearly numbers.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from janome.tokenizer import Tokenizer

Language = Literal["ja", "easy_ja", "en"]

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DIGITS.update({"壱": 1, "弐": 2, "参": 3})
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "億": 100_000_000}
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十百千万億壱弐参]+")
# Kanji numerals that are words, not numbers: 一緒, 一番, 一人 (kept: it *is* one person) …
_NOT_NUMBER_AFTER = (
    "緒",
    "番",
    "応",
    "度も",
    "部",
    "般",
    "体",
    "方",
    "旦",
    "層",
    "切",
    "生",
    "段",
    "気",
    "斉",
    "言",
)
_NOT_NUMBER_WORDS = (
    "万一",
    "十分",
    "千葉",
    "八百屋",
    "九州",
    "四国",
    "三重",
    "千代田",
    "一宮",
    "二宮",
    "一時金",
    "一時的",
    "一人親",
    "一人暮",
    "一人で",
    "一応",
    "一度",
    "一括",
)


def kanji_to_int(text: str) -> int | None:
    """The value of a kanji numeral (三, 十二, 二〇二六, 三千五百, 一万二千) or None."""
    if not text or any(ch not in _DIGITS and ch not in _SMALL_UNITS and ch not in _BIG_UNITS for ch in text):
        return None
    if all(ch in _DIGITS for ch in text):  # positional: 二〇二六
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None:  # 二三 inside a unit expression: ambiguous
                return None
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * _BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def _replace_kanji_numbers(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        after = text[match.end() : match.end() + 2]
        before = text[max(0, match.start() - 1) : match.start()]
        context = before + token + after
        if any(word in context for word in _NOT_NUMBER_WORDS) and not after.startswith("円"):
            return token
        if after.startswith(_NOT_NUMBER_AFTER):
            return token
        # a lone 一 or 十 between kanji is usually part of a word (一般, 統一); digits around units are not
        if (
            len(token) == 1
            and token in "一十千万億"  # noqa: S105  (kanji, not a password)
            and not re.match(r"[年月日時分歳才人回つ枚個件円か週ヶ]", after)
        ):
            return token
        value = kanji_to_int(token)
        return str(value) if value is not None else token

    return _KANJI_NUMBER.sub(repl, text)


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), one kind of space, 2,500 → 2500.

    Lone surrogates and control characters (what binary pasted as text looks like) are dropped.
    """
    text = "".join(
        ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF and (ch.isprintable() or ch.isspace())
    )
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u3000", " ").replace("〜", "~")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def with_digits(text: str) -> str:
    """``text`` with kanji numerals that are numbers rewritten as digits (for slot extraction).

    令和七年十一月三日 → 令和7年11月3日, 三日前 → 3日前; words such as 一緒 or 一時金 are kept.
    """
    return _replace_kanji_numbers(text)


def hiragana(text: str) -> str:
    """Katakana folded to hiragana (ー kept) so カナ and かな spellings meet."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)


def katakana(text: str) -> str:
    """Hiragana folded to katakana."""
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    # janome's dictionary ships inside its PyPI package: nothing is downloaded.
    return Tokenizer()


@lru_cache(maxsize=4096)
def reading(text: str) -> str:
    """The reading of Japanese text in hiragana (unknown words kept as written).

    This lets 子供が生まれた and こどもがうまれた look alike to the classifier.
    """
    parts = []
    for token in _tokenizer().tokenize(text):
        surface = token.surface  # type: ignore[union-attr]
        kana = token.reading  # type: ignore[union-attr]
        parts.append(surface if kana in ("*", "") else kana)
    return hiragana("".join(parts))


_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_KANJI = re.compile(r"[\u3400-\u9fff]")


def detect_language(text: str) -> Language:
    """ja, easy_ja or en.

    English: Latin letters and no Japanese. Easy Japanese (やさしい日本語) is written with
    spaces between phrases (分かち書き) and few kanji; plain Japanese has no spaces.
    """
    ja_chars = len(_JA_CHAR.findall(text))
    if ja_chars == 0:
        return "en" if _LATIN.search(text) else "ja"
    if len(_LATIN.findall(text)) > 2 * ja_chars:
        return "en"
    chunks = [c for c in re.split(r"[ \u3000]+", text.strip()) if c]
    japanese_chunks = [c for c in chunks if _JA_CHAR.search(c)]
    if len(japanese_chunks) >= 2:
        kanji_ratio = len(_KANJI.findall(text)) / max(ja_chars, 1)
        average_chunk = sum(len(c) for c in japanese_chunks) / len(japanese_chunks)
        # phrases of a few characters each: 分かち書き, not a casual sentence with one space
        if kanji_ratio < 0.45 and average_chunk <= 7:
            return "easy_ja"
    return "ja"
