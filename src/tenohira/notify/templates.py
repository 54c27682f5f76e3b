"""Message templates (Jinja2) in Japanese and English: ``templates/<name>.<language>.txt``.

Each template has a ``subject`` and a ``body`` block. Dates show in the Japanese era (和暦)
in Japanese and as "26 November 2026" in English; amounts as 12,345円 / ¥12,345.
Other modules may add a directory of their own templates with :func:`add_template_dir`.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from tenohira.core import wording

LANGUAGES = ("ja", "en", "easy_ja")
BUILTIN = Path(__file__).parent / "templates"
_extra_dirs: list[Path] = []


class InvalidNotification(ValueError):
    """An unknown template or language, a missing parameter, or a malformed address."""


def add_template_dir(path: Path) -> None:
    """Let :func:`render` find templates in ``path`` too (searched before the built-in ones)."""
    if path not in _extra_dirs:
        _extra_dirs.insert(0, path)
        _env.cache_clear()


def japanese_date(value: date | datetime | str) -> str:
    """``令和8年（2026年）11月26日`` (a timestamp adds Japan time ``14:05``)."""
    return _dated(value, "ja")


def english_date(value: date | datetime | str) -> str:
    """``26 November 2026`` (a timestamp adds Japan time ``14:05``)."""
    return _dated(value, "en")


def _dated(value: date | datetime | str, lang: wording.Language) -> str:
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value):
        return wording.datetime_words(value, lang)
    return wording.date_words(value, lang)


def yen(value: int) -> str:
    """``25,000円``."""
    return wording.yen(value, "ja")


def yen_en(value: int) -> str:
    """``¥25,000``."""
    return wording.yen(value, "en")


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(p)) for p in [*_extra_dirs, BUILTIN]]),
        undefined=StrictUndefined,
        autoescape=False,  # plain-text mail and inbox text; the web layer escapes when it renders HTML  # noqa: S701
        keep_trailing_newline=False,
    )
    env.filters.update(jdate=japanese_date, edate=english_date, yen=yen, yen_en=yen_en)
    return env


def template_names() -> list[str]:
    names = set()
    for p in [*_extra_dirs, BUILTIN]:
        names |= {f.name.split(".")[0] for f in p.glob("*.*.txt")}
    return sorted(names)


def render(
    template: str, language: str, params: dict[str, Any], defaults: dict[str, Any] | None = None
) -> tuple[str, str]:
    """``(subject, body)`` of ``template`` in ``language`` (easy Japanese falls back to Japanese)."""
    if language not in LANGUAGES:
        raise InvalidNotification(f"language must be one of {', '.join(LANGUAGES)}")
    env = _env()
    tried = [language, "ja"] if language == "easy_ja" else [language]
    for lang in tried:
        try:
            tmpl = env.get_template(f"{template}.{lang}.txt")
        except TemplateNotFound:
            continue
        ctx = tmpl.new_context({**(defaults or {}), **params})
        try:
            subject = "".join(tmpl.blocks["subject"](ctx)).strip()
            body = "".join(tmpl.blocks["body"](ctx)).strip()
        except Exception as exc:  # StrictUndefined and filter errors: the caller's params are wrong
            raise InvalidNotification(f"template {template!r} ({lang}): {exc}") from exc
        if "\n" in subject or not subject:
            raise InvalidNotification(f"template {template!r} gives an empty or multi-line subject")
        return subject[:200], body
    raise InvalidNotification(f"no template {template!r} in {language}")
