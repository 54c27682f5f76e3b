"""The intake schemas an agency checks applications against, kept as data beside its code.

Each deciding agency has a directory ``intake_schemas/`` with one JSON Schema per procedure it
decides (``<procedure>.json``, the format of :mod:`tenohira.core.intake_schemas`). It publishes
them (``GET /intake-schemas``) and checks every filed document against them; the palm runs the
same schemas before the card signs. The files are written from the palm's catalogue by
``make schemas`` and a test fails when one differs from what the catalogue says, so a change of
a field's rule is a reviewed change of the agency's data, not a hidden import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from tenohira.core.intake_schemas import check_against
from tenohira.core.problems import Problem

DIRECTORY = "intake_schemas"


@dataclass(frozen=True)
class SchemaShelf:
    """The published intake schemas of one agency (``package``: the agency's package name)."""

    package: str
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, package: str) -> SchemaShelf:
        """Read ``<package>/intake_schemas/*.json`` (an agency without the directory has none)."""
        found: dict[str, dict[str, Any]] = {}
        root = resources.files(package).joinpath(DIRECTORY)
        if root.is_dir():
            for entry in root.iterdir():
                if entry.name.endswith(".json"):
                    found[entry.name.removesuffix(".json")] = json.loads(entry.read_text(encoding="utf-8"))
        return cls(package, found)

    def procedures(self) -> list[str]:
        """The procedures with a published schema, sorted."""
        return sorted(self.schemas)

    def get(self, procedure: str) -> dict[str, Any] | None:
        """The schema of ``procedure``, or None when this agency publishes none for it."""
        return self.schemas.get(procedure)

    def bounds(self, procedure: str, field_name: str) -> tuple[int, int]:
        """The least and greatest value the published schema of ``procedure`` takes for the number
        ``field_name``: for an agency's own check of the same quantity elsewhere (one limit, the
        catalogue's, not a second copy of the number). KeyError when the schema sets no bounds."""
        prop = self.schemas[procedure]["properties"][field_name]
        return int(prop["minimum"]), int(prop["maximum"])

    def check(self, procedure: str, fields: dict[str, Any], today: date | None = None) -> None:
        """Defence in depth: the filed ``fields`` checked again on receipt; a 422 naming each
        field that breaks the published schema, in its own words (a procedure without a schema
        has only its agency's own checks)."""
        schema = self.schemas.get(procedure)
        errors = check_against(schema, fields, today=today) if schema is not None else []
        if errors:
            raise Problem(
                status=422,
                slug="application-fields-invalid",
                title="Some fields of the application do not meet the published schema",
                title_ja="申請の一部の項目が公開している入力規則に合っていません",
                errors=errors,
            )
