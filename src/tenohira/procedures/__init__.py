"""The procedure catalogue (data files) and deadline computation.

Public face for the other modules::

    from tenohira.procedures import load_catalogue, deadline_for
    catalogue = load_catalogue()
    for procedure in catalogue.for_event("birth"):
        print(procedure.names.ja, deadline_for(procedure, date(2026, 4, 28)))

:func:`intake_schema` is the JSON Schema an agency checks an application's fields against (it
publishes it); :func:`check_fields` / :func:`check_against` run it (the palm before signing, the
agency on receipt), with field messages in Japanese, English and easy Japanese.
"""

from tenohira.core.intake_schemas import check_against
from tenohira.procedures.deadlines import is_business_day, next_business_day, period_end
from tenohira.procedures.intake_schema import check_fields, intake_schema
from tenohira.procedures.loading import (
    Catalogue,
    CatalogueError,
    UnknownProcedure,
    deadline_for,
    load_catalogue,
    load_catalogue_from,
    parse_procedure,
    schedule_for,
)
from tenohira.procedures.procedure import (
    LIFE_EVENTS,
    Amount,
    Deadline,
    Decision,
    FieldSpec,
    LegalBasis,
    LifeEvent,
    Names,
    Prefill,
    Procedure,
)

__all__ = [
    "LIFE_EVENTS",
    "Amount",
    "Catalogue",
    "CatalogueError",
    "Deadline",
    "Decision",
    "FieldSpec",
    "LegalBasis",
    "LifeEvent",
    "Names",
    "Prefill",
    "Procedure",
    "UnknownProcedure",
    "check_against",
    "check_fields",
    "deadline_for",
    "intake_schema",
    "is_business_day",
    "load_catalogue",
    "load_catalogue_from",
    "next_business_day",
    "parse_procedure",
    "period_end",
    "schedule_for",
]
