"""Values and codes on pages in words: field values by their catalogue type, who did what in an
application's history, and access-history entries (issue #13, items 3 and 8).

Everything here goes through :mod:`tenohira.core.wording` (dates, yen, units, labels); pages never
show a raw field value, code, agency id or ISO date.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from tenohira.core import wording
from tenohira.core.wording import Language

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHECK = re.compile(r"\s*\((?:check|要確認)\)")
_YES = {"ja": "はい", "en": "Yes", "easy_ja": "はい"}
_NO = {"ja": "いいえ", "en": "No", "easy_ja": "いいえ"}
_ATTACHED = {"ja": "添付済み", "en": "Attached", "easy_ja": "{付|つ}けました"}
_YOU = {"ja": "あなた", "en": "You", "easy_ja": "あなた"}
_ORDINARY = {"ja": "普通", "en": "Ordinary", "easy_ja": "{普通|ふつう}"}
_CURRENT = {"ja": "当座", "en": "Current", "easy_ja": "{当座|とうざ}"}
# a bank account's type as the intake schema takes it (普通・当座, or in English)
_ACCOUNT_TYPES = {"普通": _ORDINARY, "ordinary": _ORDINARY, "当座": _CURRENT, "current": _CURRENT}


@lru_cache(maxsize=64)
def _specs(procedure_id: str) -> dict[str, Any]:
    from tenohira.procedures import load_catalogue

    try:
        return {f.name: f for f in load_catalogue().get(procedure_id).fields}
    except Exception:  # an unknown procedure: values are shown by their shape alone
        return {}


def field_value(procedure_id: str, name: str, value: Any, lang: Language) -> str:
    """A field's value as the resident reads it (easy Japanese keeps reading marks)."""
    spec = _specs(procedure_id).get(name)
    kind = spec.type if spec is not None else None
    if value is None or value == "":
        return ""
    if isinstance(value, str) and wording.has_label("person_reference", value):
        return wording.label("person_reference", value, lang)  # a record the agency looks up itself
    if kind == "choice" and spec is not None:
        for choice in spec.choices or []:
            if choice.value == value:
                return str(choice.en if lang == "en" else choice.ja)
    if isinstance(value, bool) or kind == "boolean":
        return (_YES if value in (True, "true", "yes") else _NO)[lang]
    if kind == "sex" or (kind is None and wording.has_label("sex", value)):
        return wording.label("sex", value, lang)
    if kind == "relation" or (kind is None and wording.has_label("relationship", value)):
        return wording.label("relationship", value, lang)
    if kind in ("credential", "document"):
        return _ATTACHED[lang]
    if kind == "weight_g" or name.endswith("_g"):
        return wording.quantity(int(value), "g", lang) if str(value).isdigit() else str(value)
    if kind == "amount" and str(value).lstrip("-").isdigit():
        return wording.yen(int(value), lang)
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return wording.date_words(value, lang)
    if isinstance(value, dict):
        parts = [f"{sub_label(k, lang)}: {_part_value(k, v, lang)}" for k, v in value.items() if v]
        return wording.join(parts, lang)
    if isinstance(value, list):
        return wording.join([field_value(procedure_id, name, v, lang) for v in value], lang)
    return str(value)


def _part_value(key: str, value: Any, lang: Language) -> str:
    """A part of a compound value: a bank account's type (普通, 当座) in words, the rest by shape."""
    if key in ("type", "kind", "account_type") and str(value) in _ACCOUNT_TYPES:
        return _ACCOUNT_TYPES[str(value)][lang]
    return field_value("", key, value, lang)


def sub_label(key: str, lang: Language) -> str:
    """The part of a compound value (a bank account's bank, branch, number…)."""
    return wording.label_or("field_part", key, lang, wording.label("field_part", "other", lang))


def actor_label(actor: str | None, lang: Language) -> str:
    """Who moved an application on: the resident, a supporter, the platform or an agency, in words."""
    text = str(actor or "")
    if text.startswith("supporter"):
        return wording.label("role", "supporter", lang)
    if text.startswith("staff"):
        return wording.label("role", "staff", lang)
    head = text.split(":", 1)[0].split(".", 1)[0]
    if wording.has_label("agency", head):
        return wording.label("agency", head, lang)
    return _YOU[lang]


def legal_basis(text: str | None, lang: Language) -> str:
    """A legal basis with its unconfirmed mark in words: 「… (check)」 → 「…（未確認）」."""
    if not text:
        return ""
    text = sentence(text, lang)
    if _CHECK.search(text):
        return _CHECK.sub("", text) + wording.label("confirmation", "check", lang)
    return text


# lookarounds, not \b: in Japanese a date runs straight into the next word (2023-04-01施行)
_ISO_IN_TEXT = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?:T[\d:.+Z-]*)?(?![\d])")
_MEMBER_ID = re.compile(
    r"(?<![A-Za-z0-9_-])(head|spouse|child|parent|mother|father|m)-?(\d{1,2})(?![A-Za-z0-9_])"
)
_MEMBER_KIND = {"m": "other", "parent": "parent"}


def sentence(text: str | None, lang: Language) -> str:
    """Text from another module (a decision reason, a notice, a legal basis) made fit to read:
    ISO dates in words, household member ids (``head-1``, ``spouse-2``) as relationships, and an
    unconfirmed mark in words. The modules that write the texts should not need this net."""
    if not text:
        return ""
    text = _ISO_IN_TEXT.sub(lambda m: wording.date_words(m.group(1), lang), text)
    text = _MEMBER_ID.sub(
        lambda m: wording.label("relationship", _MEMBER_KIND.get(m.group(1), m.group(1)), lang), text
    )
    if _CHECK.search(text):
        text = _CHECK.sub("", text) + wording.label("confirmation", "check", lang)
    return text


def agency_words(agency: object, lang: Language) -> str:
    """An agency, or a hub service's agency, in words."""
    return wording.label("agency", str(agency or "").split(".", 1)[0], lang)


def service_words(service: object, lang: Language) -> str:
    """A hub service (``municipality.household``) in words."""
    return wording.label("service", service, lang)


def purpose_words(purpose: object, lang: Language) -> str:
    """The purpose of an exchange (``prefill``, ``eligibility-check``) in words."""
    return wording.label("purpose", purpose, lang)
