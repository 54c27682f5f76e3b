"""The municipality's registration (what it decides) agrees with the procedure catalogue."""

from tenohira.agencies.municipality.registration import ACCEPTANCE, HANDLED, RULES_BENEFITS, STAFF
from tenohira.procedures import load_catalogue


def test_rules_decided_procedures_name_the_catalogues_benefit() -> None:
    catalogue = {p.id: p for p in load_catalogue().all()}
    for procedure, benefit in RULES_BENEFITS.items():
        entry = catalogue[procedure]
        assert entry.deciding_agency == "municipality", procedure
        assert entry.decision.method == "rules" and entry.decision.benefit == benefit, procedure
    decided_here = {
        p.id
        for p in catalogue.values()
        if p.deciding_agency == "municipality" and p.decision.method == "rules"
    }
    # the move life event's claim is catalogued but not yet taken in by this intake (the palm hands it over)
    assert decided_here - set(RULES_BENEFITS) == {"child_allowance_move"}


def test_every_handled_procedure_is_the_municipalitys() -> None:
    catalogue = {p.id: p for p in load_catalogue().all()}
    assert HANDLED == set(RULES_BENEFITS) | ACCEPTANCE | STAFF
    assert all(catalogue[p].deciding_agency == "municipality" for p in HANDLED)
