"""HTTP API of procedures: browse the catalogue."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenohira.core.problems import FieldError, Problem
from tenohira.procedures.loading import load_catalogue
from tenohira.procedures.procedure import LIFE_EVENTS
from tenohira.procedures.schemas import Language, ProcedureSummary, detail, summarise

router = APIRouter(prefix="/api/procedures", tags=["procedures"])


@router.get("", response_model=list[ProcedureSummary])
async def list_procedures(
    event: Annotated[str | None, Query(description="birth, move, death or company_founding")] = None,
    language: Annotated[Language, Query(description="ja, en or easy_ja")] = "ja",
    event_date: Annotated[date | None, Query(description="due dates from this event date")] = None,
) -> list[ProcedureSummary]:
    """The catalogue, optionally only the procedures a life event makes relevant."""
    catalogue = load_catalogue()
    if event is not None and event not in LIFE_EVENTS:
        raise Problem(
            status=422,
            slug="invalid-input",
            title="Invalid input",
            title_ja="入力内容に誤りがあります",
            detail=f"unknown life event {event!r}",
            detail_ja=f"ライフイベント「{event}」はありません",
            errors=[
                FieldError(
                    "event",
                    f"one of {', '.join(LIFE_EVENTS)}",
                    f"{'、'.join(LIFE_EVENTS)} のいずれかを指定してください",
                )
            ],
        )
    procedures = catalogue.for_event(event) if event else catalogue.all()
    return [summarise(p, language, event_date) for p in procedures]


@router.get("/{procedure_id}")
async def get_procedure(
    procedure_id: str,
    event_date: Annotated[date | None, Query(description="compute the due date from this event date")] = None,
) -> dict[str, Any]:
    """One catalogue entry in full (404 problem+json for an unknown id)."""
    return detail(load_catalogue().get(procedure_id), event_date)
