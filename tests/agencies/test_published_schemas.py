"""Each deciding agency's intake schemas are its own data files, equal to what the catalogue says.

The agencies never import the palm's catalogue (an import contract); the schemas they check and
publish are files under ``<agency>/intake_schemas/``. This test writes them when asked
(``make schemas``, i.e. ``TENOHIRA_WRITE_SCHEMAS=1``) and otherwise fails on any difference, so a
changed field rule reaches the agency as a reviewed data change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import tenohira.agencies.insurer.intake as insurer_intake
import tenohira.agencies.municipality.intake as municipality_intake
from tenohira.agencies.membership import SchemaShelf
from tenohira.procedures import UnknownProcedure, intake_schema, load_catalogue

DESKS = {"municipality": municipality_intake.DESK, "insurer": insurer_intake.DESK}
WRITE = os.environ.get("TENOHIRA_WRITE_SCHEMAS") == "1"


def _expected(handled: frozenset[str]) -> dict[str, str]:
    catalogue = load_catalogue()
    out: dict[str, str] = {}
    for procedure in sorted(handled):
        try:
            schema = intake_schema(catalogue.get(procedure))
        except UnknownProcedure:
            continue  # decided here but not a palm procedure: only the agency's own checks
        out[procedure] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


@pytest.mark.parametrize("agency", sorted(DESKS))
def test_published_schema_files_equal_the_catalogue(agency: str) -> None:
    desk = DESKS[agency]
    directory = Path(municipality_intake.__file__).parent.parent / agency / "intake_schemas"
    expected = _expected(desk.handled)
    if WRITE:
        directory.mkdir(exist_ok=True)
        for stale in directory.glob("*.json"):
            if stale.stem not in expected:
                stale.unlink()
        for procedure, text in expected.items():
            (directory / f"{procedure}.json").write_text(text, encoding="utf-8")
    found = {p.stem: p.read_text(encoding="utf-8") for p in directory.glob("*.json")}
    assert sorted(found) == sorted(expected), "run `make schemas` and review the change"
    for procedure, text in expected.items():
        assert found[procedure] == text, f"{agency}/{procedure}: run `make schemas` and review the change"
    assert SchemaShelf.of(f"tenohira.agencies.{agency}").procedures() == sorted(expected)
