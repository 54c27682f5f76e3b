"""HTTP API of rules: ``POST /api/rules/explain`` and the parameters in force."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenohira.core.clock import today_jst
from tenohira.core.problems import FieldError, Problem
from tenohira.rules.household import Household
from tenohira.rules.params import BENEFIT_IDS, Version, load_parameters
from tenohira.rules.service import explain

router = APIRouter(prefix="/api/rules", tags=["rules"])


@router.post("/explain")
def explain_household(
    household: Household,
    on: Annotated[
        date | None, Query(alias="date", description="date of the decision (default today)")
    ] = None,
    benefit: Annotated[list[str] | None, Query(description="only these benefit ids (default all)")] = None,
) -> dict[str, Any]:
    """Decide every benefit (or those named) for the household on the date, with reasons, legal basis
    and sources.

    The body is the household document of ``tenohira rules explain --household FILE``; the date is
    the query parameter ``date`` (YYYY-MM-DD). A monthly benefit reports ``monthly_amount``, a lump sum
    ``amount``.
    """
    unknown = [b for b in benefit or [] if b not in BENEFIT_IDS]
    if unknown:
        raise Problem(
            status=422,
            slug="unknown-benefit",
            title="Unknown benefit",
            title_ja="判定できない給付です",
            detail=f"unknown benefit ids: {', '.join(unknown)}; known: {', '.join(BENEFIT_IDS)}",
            detail_ja=f"判定できない給付の ID です: {', '.join(unknown)}",
            errors=[
                FieldError("benefit", f"unknown benefit id {b}", f"給付の ID {b} はありません")
                for b in unknown
            ],
        )
    return explain(household, on or today_jst(), benefit).as_json()


def _dump(v: Version | None) -> dict[str, Any] | None:
    return v.model_dump(mode="json") if v else None


@router.get("/parameters")
def parameters(on: Annotated[date | None, Query(alias="date")] = None) -> dict[str, Any]:
    """The parameter version of each benefit in force on the date, with its source and what is unconfirmed."""
    day = on or today_jst()
    out: dict[str, Any] = {}
    for benefit_id, p in load_parameters().items():
        v = p.at(day)
        out[benefit_id] = {
            "name_ja": p.name_ja,
            "name_en": p.name_en,
            "version": _dump(v),
            "municipalities": {code: _dump(s.at(day)) for code, s in p.municipalities.items()},
        }
    return {"date": day.isoformat(), "benefits": out, "benefit_ids": list(BENEFIT_IDS)}
