"""The schema an agency checks an application against: one definition, run by the palm and the agency.

:func:`intake_schema` turns a procedure's fields (their standard types, and ``not_before`` between
dates) into a JSON Schema (draft 2020-12) document. Each deciding agency publishes it
(``GET /intake-schemas/{procedure}`` on its own app, see ``docs/palm.md``) and checks every filed
document against it (its copy is a data file beside its code, kept equal to this one by
``make schemas`` and a test); the palm runs the very same document before the card signs
(``palm.validation``), so a resident hears of a bad value before signing,
with the same words the agency would use. Messages in Japanese, English and easy Japanese travel in
the schema itself (``x-messages`` per field), so the agency's wording is what the palm shows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tenohira.core.intake_schemas import check_against
from tenohira.core.names import ITERATION_MARKS, LONG_MARK, SMALL_KANA, permitted_kanji, to_katakana
from tenohira.core.problems import FieldError
from tenohira.procedures.procedure import FieldSpec, Procedure

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_NAME = 10  # 戸籍法施行規則: a given name of at most 10 characters is what the register takes
MAX_READING = 20
MAX_BANK_TEXT = 30
_KANA = "ぁ-ゖァ-ヺー"
# Messages: (en, ja, easy_ja)
_Messages = tuple[str, str, str]

_TEXT: dict[str, _Messages] = {
    "name_kanji": (
        "Enter the given name only, without spaces, in jōyō or jinmeiyō kanji, hiragana or katakana "
        "(at most 10 characters, not beginning with ー or 々)",
        "名だけを、空白を入れずに、常用漢字・人名用漢字・ひらがな・カタカナで入力してください"
        "（10文字以内。最初に「ー」や「々」は使えません）",
        "なまえ（{名|な}）だけを、スペースを いれないで {書|か}いて ください。"
        "{名前|なまえ}に {使|つか}える {漢字|かんじ}と ひらがな、カタカナだけです。"
        "いちばん {前|まえ}に 「ー」や 「々」は {使|つか}えません",
    ),
    "name_kana": (
        "Write the reading in hiragana or katakana only, without spaces (at most 20; "
        "not beginning with ー or a small kana such as ッ)",
        "よみかたは、ひらがなかカタカナだけで、空白を入れずに入力してください"
        "（20文字以内。最初に「ー」や「ッ」などの小さい字は使えません）",
        "よみかたは ひらがなか カタカナで、スペースを いれないで {書|か}いて ください。"
        "いちばん {前|まえ}に 「ー」や 「ッ」などの {小|ちい}さい {字|じ}は {使|つか}えません",
    ),
    "date": (
        "Enter a valid date",
        "正しい日付を入力してください",
        "ただしい {日|ひ}を {書|か}いて ください",
    ),
    "range": (
        "Enter a whole number from {min} to {max}",
        "{min}から{max}までの整数で入力してください",
        "{min}から {max}までの {数|かず}を {書|か}いて ください",
    ),
    "at_least": (
        "Enter a whole number of {min} or more",
        "{min}以上の整数で入力してください",
        "{min}{以上|いじょう}の {数|かず}を {書|か}いて ください",
    ),
    "number": (
        "Enter a whole number of 0 or more",
        "0以上の整数で入力してください",
        "0より {大|おお}きい {数|かず}を {書|か}いて ください",
    ),
    "bank_account": (
        "Check the account: bank and branch names of at most 30 characters, type ordinary or current, "
        "a 7-digit account number",
        "口座を確かめてください：銀行名・支店名は30文字以内、種別は普通か当座、口座番号は7桁の数字です",
        "{口座|こうざ}を {確|たし}かめて ください。"
        " {口座|こうざ}の {番号|ばんごう}は 7つの {数字|すうじ}です",
    ),
    "not_before": (
        "This date is before {other}",
        "この日付が「{other}」より前になっています",
        "この {日|ひ}が 「{other}」より {前|まえ}です",
    ),
    "not_in_future": (  # every such field is a date of birth
        "The date of birth is in the future",
        "生年月日が未来の日付です",
        "{生|う}まれた {日|ひ}が、まだ {来|き}て いない {日|ひ}に なって います",
    ),
    "text": (
        "At most 400 characters",
        "400文字以内で入力してください",
        "400{文字|もじ}までで {書|か}いて ください",
    ),
}
# what the registrar refuses at the start of a name and of its reading (tenohira.core.names, the
# municipality's check of a birth): the same characters, written into the published pattern
_NOT_FIRST_IN_NAME = "".join(sorted(ITERATION_MARKS)) + LONG_MARK
_SMALL_HIRAGANA = "".join(c for c in "ぁぃぅぇぉっゃゅょゎゕゖ" if to_katakana(c) in SMALL_KANA)
_NOT_FIRST_IN_READING = LONG_MARK + SMALL_KANA + _SMALL_HIRAGANA
# the characters of a child's name (戸籍法 50, 施行規則 60: 常用漢字, 人名用漢字, kana, ー and the
# iteration marks), from the same data file the registrar's check reads
_NAME_CHARACTERS = f"{_KANA}{''.join(sorted(ITERATION_MARKS))}" + "".join(
    sorted(permitted_kanji()[0] | permitted_kanji()[1])
)
_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_NAME,
    "pattern": rf"^(?![{_NOT_FIRST_IN_NAME}])[{_NAME_CHARACTERS}]+$",
}
_READING = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_READING,
    "pattern": rf"^(?![{_NOT_FIRST_IN_READING}])[{_KANA}]+$",
}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_NUMBER = {"type": "integer", "minimum": 0}
_BANK = {
    "type": "object",
    "required": ["bank", "branch", "type", "number"],
    "properties": {
        "bank": {"type": "string", "minLength": 1, "maxLength": MAX_BANK_TEXT},
        "branch": {"type": "string", "minLength": 1, "maxLength": MAX_BANK_TEXT},
        "type": {"enum": ["普通", "当座", "ordinary", "current"]},
        "number": {"type": "string", "pattern": r"^[0-9]{7}$"},
    },
}
_TEXT_FIELD = {"type": "string", "maxLength": 400}
TYPE_SCHEMAS: dict[str, tuple[dict[str, Any], str]] = {
    "date": (_DATE, "date"),
    "count": (_NUMBER, "number"),
    "amount": (_NUMBER, "number"),
    "weight_g": (_NUMBER, "number"),
    "bank_account": (_BANK, "bank_account"),
    "text": (_TEXT_FIELD, "text"),
    "address": (_TEXT_FIELD, "text"),
}
# Names on a register (the filer's own) keep their lawful old forms and spacing: only names the
# resident chooses (the child's) are held to the register's rule for new names.
CHOSEN_NAMES = frozenset({"child_name", "child_name_kana"})


def _messages(key: str, other: str | None = None, **numbers: int) -> dict[str, str]:
    # str.replace, not str.format: easy Japanese carries {漢字|かんじ} reading marks
    texts = [text.replace("{other}", other or "") for text in _TEXT[key]]
    for name, number in numbers.items():
        texts = [text.replace("{" + name + "}", f"{number:,}") for text in texts]
    en, ja, easy = texts
    return {"en": en, "ja": ja, "easy_ja": easy}


def _bounded(spec: FieldSpec) -> dict[str, Any]:
    """A number field's own bounds (``minimum``/``maximum`` in the catalogue), with their words."""
    if spec.maximum is not None:
        least = spec.minimum if spec.minimum is not None else 0
        return {
            "minimum": least,
            "maximum": spec.maximum,
            "x-messages": _messages("range", min=least, max=spec.maximum),
        }
    if spec.minimum is not None:
        return {"minimum": spec.minimum, "x-messages": _messages("at_least", min=spec.minimum)}
    return {}


def _field_schema(spec: FieldSpec, procedure: Procedure) -> dict[str, Any] | None:
    chosen = spec.name in CHOSEN_NAMES and spec.prefill is None  # typed, not read from a register
    if spec.type == "name_kanji" and chosen:
        base, key = _NAME, "name_kanji"
    elif spec.type == "name_kana" and chosen:
        base, key = _READING, "name_kana"
    elif spec.type in ("name_kanji", "name_kana"):
        return None
    elif spec.type in TYPE_SCHEMAS:
        base, key = TYPE_SCHEMAS[spec.type]
    elif spec.type == "choice":
        return {"enum": [c.value for c in spec.choices or []]}
    else:
        return None
    out: dict[str, Any] = {**base, "title": spec.label.ja, "x-messages": _messages(key), **_bounded(spec)}
    if spec.not_before:
        other = procedure.field(spec.not_before).label
        out["x-notBefore"] = spec.not_before
        out["x-messages-notBefore"] = {
            lang: _messages("not_before", other.in_language(lang))[lang] for lang in ("en", "ja", "easy_ja")
        }
    if spec.not_in_future:
        out["x-notAfter"] = "today"
        out["x-messages-notAfter"] = _messages("not_in_future")
    return out


def intake_schema(procedure: Procedure) -> dict[str, Any]:
    """The JSON Schema of the fields of ``procedure``'s application (what its agency checks).

    Values may be absent (what is missing is reported by the filing rules, not the schema);
    when present they must be of their type's form.
    """
    properties: dict[str, Any] = {}
    for spec in procedure.fields:
        schema = _field_schema(spec, procedure)
        if schema is not None:
            properties[spec.name] = schema
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:tenohira:intake:{procedure.id}",
        "title": procedure.names.ja,
        "type": "object",
        "properties": properties,
    }


def check_fields(procedure: Procedure, fields: dict[str, Any], today: date | None = None) -> list[FieldError]:
    """:func:`check_against` with ``procedure``'s own :func:`intake_schema` (on ``today``)."""
    return check_against(intake_schema(procedure), fields, today=today)
