"""Bodies of the insurer's hub services."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tenohira.agencies.insurer.service import MAX_BABIES, MIN_BABIES


class PersonHint(BaseModel):
    name: str = Field(max_length=64)
    birth_date: date


class InsuranceTypeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: PersonHint | None = Field(default=None, description="only needed at first contact")


class DependantIn(BaseModel):
    """被扶養者（異動）届 / 国保加入: the person to cover under the insured (the subject)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=64)
    name_kana: str = Field(max_length=128)
    birth_date: date
    sex: Literal["male", "female"]
    relation: Literal["spouse", "child", "parent", "other"] = "child"
    reason: Literal["birth", "other"] = "birth"
    expected_income: int = Field(default=0, ge=0, description="年間収入見込み (yen)")
    introduction_ticket: str | None = Field(
        default=None,
        max_length=500,
        description="hub introduction ticket for the new dependant, if the caller has one",
    )
    person: PersonHint | None = Field(default=None, description="the insured's facts, only at first contact")


class LumpSumIn(BaseModel):
    """``claim``: 出産育児一時金 for a birth of the subject (the mother); ``status``: her claims."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["claim", "status"]
    birth_date: date | None = None
    babies: int = Field(default=1, ge=MIN_BABIES, le=MAX_BABIES)  # the published bounds (service)
    gestational_weeks: int | None = Field(default=None, ge=1, le=45)
    facility: str | None = Field(default=None, max_length=128)
    compensation_scheme: bool = True
    charges: int | None = Field(
        default=None, ge=0, description="出産費用 billed by the hospital (direct payment)"
    )
    person: PersonHint | None = None
