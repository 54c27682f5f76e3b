"""What the procedures API returns: the catalogue entry, localised when asked."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from tenohira.procedures.loading import deadline_for
from tenohira.procedures.procedure import Procedure

Language = Literal["ja", "en", "easy_ja"]


class ProcedureSummary(BaseModel):
    """One line of the catalogue listing."""

    id: str
    kind: str
    coverage: str
    name: str
    names: dict[str, str]
    life_events: list[str]
    deciding_agency: str
    decision: str
    benefit: str | None
    deadline: str
    deadline_date: date | None = None
    confirmed: bool


def summarise(procedure: Procedure, language: Language, event_date: date | None = None) -> ProcedureSummary:
    """The listing line of ``procedure`` in ``language`` (with the due date if an event date is given)."""
    return ProcedureSummary(
        id=procedure.id,
        kind=procedure.kind,
        coverage=procedure.coverage,
        name=procedure.names.in_language(language),
        names=procedure.names.model_dump(),
        life_events=list(procedure.life_events),
        deciding_agency=procedure.deciding_agency,
        decision=procedure.decision.method,
        benefit=procedure.decision.benefit,
        deadline=procedure.deadline.description.in_language(language),
        deadline_date=deadline_for(procedure, event_date) if event_date else None,
        confirmed=procedure.confirmed,
    )


def detail(procedure: Procedure, event_date: date | None = None) -> dict[str, Any]:
    """The whole entry as JSON, plus the computed due date when an event date is given."""
    body: dict[str, Any] = procedure.model_dump(mode="json")
    if event_date is not None:
        due = deadline_for(procedure, event_date)
        body["deadline_date"] = due.isoformat() if due else None
    return body
