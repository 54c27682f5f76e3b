"""Words on screens in 日本語, English and やさしい日本語 (easy Japanese with furigana).

Messages live in ``messages.yaml`` as ``key: {ja, en, easy_ja}``. Easy-Japanese text
marks readings as ``{漢字|かんじ}``; they render as ``<ruby>`` (furigana) and everything
else is escaped, so a message can never inject markup.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup, escape

from tenohira.core import wording

Language = wording.Language
LANGUAGES = wording.LANGUAGES
LANGUAGE_COOKIE = "tenohira_lang"
SIZE_COOKIE = "tenohira_size"
SIZES = ("normal", "large", "xlarge")

_RUBY = wording.RUBY_MARK


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    """All messages, loaded once."""
    data = yaml.safe_load((Path(__file__).parent / "messages.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def ruby(text: str) -> Markup:
    """Escape ``text`` and turn ``{漢字|かんじ}`` into ``<ruby>漢字<rt>かんじ</rt></ruby>``."""
    out: list[str] = []
    last = 0
    for m in _RUBY.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        out.append(f"<ruby>{escape(m.group(1))}<rt>{escape(m.group(2))}</rt></ruby>")
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 — every piece above was escaped


_RT = re.compile(r"<rt>.*?</rt>", re.DOTALL)


def plain(text: str) -> str:
    """Text without readings (for titles and attributes): from ``{漢字|かんじ}`` marks, or from a
    translated message whose readings are already ``<ruby>`` markup."""
    if isinstance(text, Markup):
        return Markup(_RT.sub("", str(text))).striptags()  # noqa: S704 — already markup; only read back
    return _RUBY.sub(lambda m: m.group(1), text)


def translate(key: str, lang: Language, **params: Any) -> Markup:
    """The message ``key`` in ``lang`` (falling back to Japanese), with ``{name}`` params escaped."""
    entry = messages().get(key)
    if entry is None:
        return escape(key)
    text = entry.get(lang) or entry.get("ja") or key
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value).replace("{", "(").replace("}", ")"))
    return ruby(text)


def pick_language(cookie: str | None, accept_language: str | None) -> Language:
    """The resident's chosen language, else the browser's preference, else Japanese."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    if accept_language and accept_language.lower().startswith("en"):
        return "en"
    return "ja"


def format_date(value: date | str | None, lang: Language) -> str:
    """A date for screens, with the weekday: 令和8年（2026年）11月26日（木） / Thu 26 November 2026."""
    return wording.date_words(value, lang, weekday=True)


def format_yen(value: int | None, lang: Language) -> str:
    """An amount: 25,000円 / ¥25,000 (easy Japanese with the reading of 円)."""
    return wording.yen(value, lang)
