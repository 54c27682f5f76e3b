"""Checking a document against a published intake schema (the format every deciding agency uses).

An intake schema is a JSON Schema (draft 2020-12) document with the messages of each field in
Japanese, English and easy Japanese in it (``x-messages``) and two rules JSON Schema cannot say
about a single value: a date not before another field's date (``x-notBefore``, its own messages
in ``x-messages-notBefore``), and a date not after the day of the check (``x-notAfter: "today"``,
messages in ``x-messages-notAfter``; checked when the caller says which day it is). The palm
generates the schemas from its catalogue (``tenohira.procedures.intake_schema``); each agency
keeps the ones it checks as data files and publishes them. Both run :func:`check_against`, so
the words a resident reads before signing are the ones the agency would answer with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

from tenohira.core.problems import FieldError


def _not_before(validator: Any, other: str, instance: Any, schema: dict[str, Any]) -> Any:
    # checked in check_against, which has the whole document (a property keyword sees one value)
    return iter(())


_Validator: Any = extend(Draft202012Validator, {"x-notBefore": _not_before, "x-notAfter": _not_before})  # type: ignore[no-untyped-call]


def _error_for(field: str, schema: dict[str, Any], key: str = "x-messages") -> FieldError:
    m = schema.get(key) or {}
    return FieldError(
        field,
        str(m.get("en", "Invalid value")),
        str(m.get("ja", "入力内容に誤りがあります")),
        m.get("easy_ja"),
    )


def check_against(
    schema: dict[str, Any], fields: dict[str, Any], *, today: date | None = None
) -> list[FieldError]:
    """Every field of ``fields`` that breaks ``schema`` (a published intake schema), one error
    per field, in the schema's own words; ``today`` (the day of the check, in Japan) for the
    dates that may not be in the future."""
    present = {k: v for k, v in fields.items() if v not in (None, "", [])}
    properties: dict[str, Any] = schema.get("properties", {})
    errors: dict[str, FieldError] = {}
    error: ValidationError
    for error in _Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(present):
        if not error.absolute_path:
            continue
        name = str(error.absolute_path[0])
        if name in properties and name not in errors:
            errors[name] = _error_for(name, properties[name])
    for name, prop in properties.items():
        other = prop.get("x-notBefore")
        if not other or name in errors or other in errors:
            continue
        try:
            later, earlier = date.fromisoformat(str(present[name])), date.fromisoformat(str(present[other]))
        except (KeyError, ValueError):
            continue
        if later < earlier:
            errors[name] = _error_for(name, prop, "x-messages-notBefore")
    for name, prop in properties.items():
        if prop.get("x-notAfter") != "today" or today is None or name in errors:
            continue
        try:
            day = date.fromisoformat(str(present[name]))
        except (KeyError, ValueError):
            continue
        if day > today:
            errors[name] = _error_for(name, prop, "x-messages-notAfter")
    return list(errors.values())
