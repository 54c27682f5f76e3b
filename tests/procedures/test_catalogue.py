"""Every data file loads and passes both checks; invalid files are rejected with the reason."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from tenohira.procedures import (
    LIFE_EVENTS,
    CatalogueError,
    UnknownProcedure,
    load_catalogue,
    load_catalogue_from,
    parse_procedure,
)
from tenohira.procedures.loading import catalogue_dir, catalogue_schema

INVALID = sorted((Path(__file__).parent / "fixtures" / "invalid").glob("*.yaml"))
DATA_FILES = sorted(catalogue_dir().glob("*.yaml"))

BIRTH_CATALOGUE = {
    "birth_notification",
    "child_allowance_claim",
    "child_medical_subsidy",
    "employee_insurance_dependant",
    "nhi_enrolment",
    "childbirth_lump_sum",
    "childbirth_lump_sum_remainder",
    "pregnancy_support_second",
    "maternity_allowance",
    "childcare_leave_benefit",
    "single_parent_allowance",
    "premature_infant_care",
    "newborn_visit",
    "checkup_3_4_months",
    "checkup_1y6m",
    "checkup_3y",
    "vaccination_notice",
    # issue 15: what a family still missed after a birth
    "child_allowance_revision",
    "national_pension_maternity_exemption",
    "nhi_maternity_premium_exemption",
    "national_pension_childcare_exemption",
    "birth_childcare_leave_benefit",
    "childcare_reduced_hours_benefit",
    "low_birth_weight_notification",
}


def test_the_schema_itself_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(catalogue_schema())


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.stem)
def test_every_data_file_loads(path: Path) -> None:
    procedure = parse_procedure(path.read_text("utf-8"), path=str(path))
    assert procedure.id == path.stem
    for language in ("ja", "en", "easy_ja"):
        assert procedure.names.in_language(language).strip()


def test_catalogue_has_the_whole_birth_catalogue() -> None:
    catalogue = load_catalogue()
    birth = {p.id for p in catalogue.for_event("birth")}
    assert birth == BIRTH_CATALOGUE
    for event in LIFE_EVENTS:
        assert catalogue.for_event(event), event
    # the other life events are only outlined, and say so
    for event in ("death", "company_founding"):
        assert all(p.coverage == "minimal" for p in catalogue.for_event(event))


def test_rules_decisions_name_the_benefit_ids_of_the_rules_module() -> None:
    benefits = {p.decision.benefit for p in load_catalogue().all() if p.decision.method == "rules"}
    assert benefits == {
        "child_allowance",
        "childbirth_lump_sum",
        "pregnancy_support_benefit",
        "child_medical_subsidy",
        "single_parent_allowance",
        "maternity_allowance",
        "childcare_leave_benefit",
        "child_allowance_revision",
        "birth_childcare_leave_benefit",
        "childcare_reduced_hours_benefit",
        "nhi_maternity_premium_exemption",
        "national_pension_maternity_exemption",
        "national_pension_childcare_exemption",
        "low_birth_weight_notification",
    }
    from tenohira.rules import BENEFIT_IDS

    assert benefits <= set(BENEFIT_IDS)


def test_every_full_procedure_says_where_fields_come_from_once_only() -> None:
    for procedure in load_catalogue().all():
        if procedure.kind != "procedure" or procedure.coverage != "full":
            continue
        assert procedure.fields, procedure.id
        prefilled = [f for f in procedure.fields if f.prefill]
        assert prefilled, f"{procedure.id} asks for everything again"


def test_unconfirmed_facts_are_flagged_with_a_note() -> None:
    catalogue = load_catalogue()
    unconfirmed = [p for p in catalogue.all() if not p.confirmed]
    assert unconfirmed  # some facts marked (check) could not be confirmed: the data must say so
    for procedure in unconfirmed:
        assert procedure.notes
    assert not catalogue.get("single_parent_allowance").amounts[0].confirmed


def test_amounts_carry_effective_dates_and_sources() -> None:
    lump = load_catalogue().get("childbirth_lump_sum")
    assert {(a.yen, a.effective_from.isoformat()) for a in lump.amounts} == {
        (500000, "2023-04-01"),
        (488000, "2023-04-01"),
    }
    assert all(a.source for a in lump.amounts)


def test_unknown_id_and_unknown_event() -> None:
    catalogue = load_catalogue()
    with pytest.raises(UnknownProcedure) as info:
        catalogue.get("no_such_thing")
    assert info.value.status == 404
    with pytest.raises(ValueError):
        catalogue.for_event("marriage")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_files_are_rejected_with_the_reason(path: Path) -> None:
    text = path.read_text("utf-8")
    expected = re.match(r"# expect: (.*)", text)
    assert expected, "each invalid fixture states the expected error"
    with pytest.raises(CatalogueError) as info:
        parse_procedure(text, path=str(path))
    assert expected.group(1) in str(info.value)


def test_a_bad_file_stops_the_whole_catalogue(tmp_path: Path) -> None:
    good = DATA_FILES[0]
    (tmp_path / good.name).write_text(good.read_text("utf-8"))
    bad = INVALID[0]
    (tmp_path / bad.name).write_text(bad.read_text("utf-8"))
    with pytest.raises(CatalogueError) as info:
        load_catalogue_from(tmp_path.glob("*.yaml"))
    assert bad.name in str(info.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    source = catalogue_dir() / "birth_notification.yaml"
    data = yaml.safe_load(source.read_text("utf-8"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for sub in ("a", "b"):
        (tmp_path / sub / "birth_notification.yaml").write_text(json.dumps(data, default=str))
    with pytest.raises(CatalogueError, match="duplicate ids"):
        load_catalogue_from(tmp_path.glob("*/*.yaml"))


def test_for_event_lists_the_most_urgent_first() -> None:
    birth = [p.id for p in load_catalogue().for_event("birth")]
    assert birth[:3] == ["premature_infant_care", "employee_insurance_dependant", "birth_notification"]
    notices = {"newborn_visit", "checkup_3_4_months", "checkup_1y6m", "checkup_3y", "vaccination_notice"}
    assert set(birth[-len(notices) :]) == notices
