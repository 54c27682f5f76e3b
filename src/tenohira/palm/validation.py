"""Checks on what the resident enters, with field-level messages in Japanese and English."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from tenohira.core.names import invalid_name_characters, is_kana_reading, without_spaces
from tenohira.core.problems import FieldError
from tenohira.procedures import Procedure, check_fields

# Names the resident chooses (the child's): restricted to 常用漢字 + 人名用漢字 + kana (戸籍法 50).
# Names already on a register (the filer's own) are not re-checked: old forms are lawful there.
CHOSEN_NAMES = frozenset({"child_name"})


def missing(field: str) -> FieldError:
    """A required field with no value."""
    return FieldError(field, "This field is required", "この項目は必須です")


def field_errors(procedure: Procedure, fields: dict[str, Any], today: date) -> list[FieldError]:
    """Every problem with ``fields`` for ``procedure`` (empty: the application can be confirmed).

    First the agency's published schema (:func:`tenohira.procedures.check_fields`: the very rules
    and words the agency checks the filed document with), then the palm's own checks for the rest.
    """
    errors = check_fields(procedure, fields, today)
    flagged = {e.field for e in errors}
    for spec in procedure.fields:
        value = fields.get(spec.name)
        if value in (None, "", []):
            if spec.required:
                if spec.type == "credential":
                    errors.append(
                        FieldError(
                            spec.name,
                            "The birth certificate from the hospital is missing",
                            "病院の出生証明書（電子）が添付されていません",
                        )
                    )
                else:
                    errors.append(missing(spec.name))
            continue
        if spec.name not in flagged:
            errors.extend(_check(spec.name, spec.type, value))
        elif spec.name in CHOSEN_NAMES and spec.type == "name_kanji":
            # the schema refuses the name; say which characters, when that is why
            precise = _check(spec.name, spec.type, value)
            if precise:
                errors = [precise[0] if e.field == spec.name else e for e in errors]
    return errors


def _check(name: str, kind: str, value: Any) -> list[FieldError]:
    if kind == "date":
        # (a date of birth in the future: the schema's not_in_future, the agencies' own rule)
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return [FieldError(name, "Use the form YYYY-MM-DD", "日付は YYYY-MM-DD の形式で入力してください")]
        return []
    if kind == "name_kana":
        if not is_kana_reading(str(value)):
            return [
                FieldError(
                    name,
                    "The reading must be written in kana (hiragana or katakana)",
                    "読み方はひらがなまたはカタカナで入力してください",
                )
            ]
        return []
    if kind == "name_kanji" and name in CHOSEN_NAMES:
        text = unicodedata.normalize("NFC", without_spaces(str(value)))
        bad = invalid_name_characters(text)
        if bad:
            chars = "、".join(dict.fromkeys(bad))
            return [
                FieldError(
                    name,
                    f"Not permitted in a name (only jōyō and jinmeiyō kanji and kana): {chars}",
                    f"名に使えない文字が含まれています（常用漢字・人名用漢字・かなのみ）：{chars}",
                    f"{{名前|なまえ}}に {{使|つか}}えない {{字|じ}}が あります：{chars}",
                )
            ]
        return []
    if kind in ("count", "amount", "weight_g"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            return [FieldError(name, "Enter a whole number", "整数で入力してください")]
        if number < 0:
            return [FieldError(name, "Must not be negative", "0以上で入力してください")]
        return []
    return []
