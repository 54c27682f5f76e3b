"""The municipality's registration (what it decides) agrees with the procedure catalogue."""

from tenohira.agencies.municipality.registration import (
    ACCEPTANCE,
    CATALOGUED_NOT_YET_TAKEN_IN,
    HANDLED,
    RULES_BENEFITS,
    RULES_DECIDED,
    STAFF,
)
from tenohira.procedures import load_catalogue


def test_rules_decided_procedures_name_the_catalogues_benefit() -> None:
    catalogue = {p.id: p for p in load_catalogue().all()}
    for procedure, benefit in RULES_DECIDED.items():
        entry = catalogue[procedure]
        assert entry.deciding_agency == "municipality", procedure
        assert entry.decision.method == "rules" and entry.decision.benefit == benefit, procedure
    decided_here = {
        p.id
        for p in catalogue.values()
        if p.deciding_agency == "municipality" and p.decision.method == "rules"
    }
    assert decided_here == set(RULES_DECIDED)  # a new one is either taken in or listed as not yet
    assert not set(RULES_BENEFITS) & set(CATALOGUED_NOT_YET_TAKEN_IN)


def test_every_handled_procedure_is_the_municipalitys() -> None:
    catalogue = {p.id: p for p in load_catalogue().all()}
    assert HANDLED == set(RULES_BENEFITS) | ACCEPTANCE | STAFF
    assert all(catalogue[p].deciding_agency == "municipality" for p in HANDLED)
