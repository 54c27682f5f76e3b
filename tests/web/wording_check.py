"""What a resident must never read on a page (issue #13): a detector the page walk runs on every page.

Fails on internal identifiers (``hub-subject``, ``head-1``, ``m1``, ``birth_weight_g``,
``municipality.application-intake``), ISO dates, the raw ``(check)`` mark, codes from the labels
data shown raw, and, on English pages, Japanese punctuation and agency or procedure names left in
Japanese. Names of people and places are the resident's own data and may be in Japanese.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tenohira.core import wording

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?")
KEBAB_OR_SNAKE = re.compile(r"(?<![\w@/.])[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+(?![\w@/])")
DOTTED_ID = re.compile(r"(?<![\w@/])[a-z]+\.[a-z][a-z-]+(?![\w@/])")
SHORT_CODE = re.compile(r"(?<![\w@/#.-])[a-z]{1,2}\d{1,3}(?![\w@/])")
RESIDENT_ID = re.compile(r"\bR\d{7}\b")  # the demo registry's resident numbers
RAW_MARKS = ("(check)", "field(s)", "/ prefill", "application / ", "undefined", "{", "}")
RAW_VALUE = re.compile(r"(?m)^(?:None|null|True|False|\[\]|\{\})$")
ENGLISH_PUNCTUATION_FORBIDDEN = ("、", "。", "（", "）", "「", "」")
ASCII_WORD = re.compile(r"(?<![\w@/.:-])[a-z]{3,}(?![\w@/.:-])")
# lowercase words a Japanese page may carry (units, product names, the demo addresses)
ALLOWED_ASCII_JA = {"tenohira", "http", "https", "example", "localhost", "cm", "kg"}


@lru_cache(maxsize=1)
def codes() -> set[str]:
    """Every code the labels data gives words for (shown raw, it is an internal word)."""
    return {code for entries in wording.labels().values() for code in entries}


@lru_cache(maxsize=1)
def japanese_names() -> set[str]:
    """Japanese names of agencies, services and procedures: on English pages, each must be in English."""
    names = {e["ja"] for entries in wording.labels().values() for e in entries.values() if len(e["ja"]) > 2}
    try:
        from tenohira.procedures import load_catalogue

        for proc in load_catalogue().procedures.values():
            names.add(proc.names.ja)
    except Exception:
        pass
    return {n for n in names if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", n)}


def problems(text: str, lang: str, *, where: str = "") -> list[str]:
    """What is wrong with a page's visible ``text`` in ``lang``: one line per internal word found."""
    found: list[str] = []

    def flag(kind: str, what: str) -> None:
        found.append(f"{where} [{lang}] {kind}: {what!r}")

    for m in ISO_DATE.finditer(text):
        flag("ISO date", m.group(0))
    for m in KEBAB_OR_SNAKE.finditer(text):
        word = m.group(0)
        # English has hyphenated words (post-birth, check-up); an identifier has _ or a digit
        if lang != "en" or "_" in word or any(c.isdigit() for c in word) or word in codes():
            flag("identifier", word)
    for pattern, kind in ((DOTTED_ID, "dotted id"), (SHORT_CODE, "short code")):
        for m in pattern.finditer(text):
            flag(kind, m.group(0))
    for m in RESIDENT_ID.finditer(text):
        flag("resident id", m.group(0))
    for mark in RAW_MARKS:
        if mark in text:
            flag("raw mark", mark)
    for m in RAW_VALUE.finditer(text):
        flag("raw value", m.group(0))
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.-]*", text))
    if lang in ("ja", "easy_ja"):
        for m in ASCII_WORD.finditer(text):
            if m.group(0) not in ALLOWED_ASCII_JA:
                flag("English word in Japanese", m.group(0))
    else:
        for mark in ENGLISH_PUNCTUATION_FORBIDDEN:
            if mark in text:
                flag("Japanese punctuation in English", mark)
        for name in japanese_names():
            if name in text:
                flag("Japanese name in English", name)
    for code in codes() & words:
        if lang != "en" or not code.isalpha():  # "mother" may be an English word; "hello-work" never
            at = text.find(code)
            flag("raw code", f"{code} in …{text[max(0, at - 40) : at + len(code) + 40]}…")
    return found
