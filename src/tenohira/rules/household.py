"""The household as the rules see it (the ``rules explain --household FILE`` format)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["parent", "child", "other"]
Sex = Literal["male", "female"]
Insurance = Literal["employee", "nhi", "none"]


class Member(BaseModel):
    """One person of the household. Only ``id``, ``role`` and ``birth_date`` are required."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    role: Role
    birth_date: date
    sex: Sex | None = None
    insurance: Insurance = Field(
        default="nhi", description="employee health insurance, National Health Insurance, or none"
    )
    employment_insured: bool = Field(default=False, description="insured under employment insurance")
    annual_income: int = Field(default=0, ge=0, description="gross annual income in yen (前年の収入)")
    supported: bool = Field(
        default=True,
        description="a child (also 18-22) whose living costs the parents bear (監護・生計費の負担)",
    )
    birth_weight_g: int | None = Field(default=None, ge=100, le=8000)
    weak_vitality: bool = Field(default=False, description="生活力が特に薄弱 (premature-infant care)")
    disabled: bool = Field(
        default=False, description="a child with a disability (single-parent allowance to 20)"
    )
    expecting_due_date: date | None = Field(default=None, description="due date of a current pregnancy")
    expected_babies: int = Field(
        default=1, ge=1, le=5, description="fetuses of the pregnancy (also of one that ended: see below)"
    )
    pregnancy_ended_on: date | None = Field(
        default=None,
        description="a pregnancy that ended without a live birth (流産・死産・人工妊娠中絶) on this date; "
        "its fetuses are expected_babies",
    )
    claimed_on: date | None = Field(
        default=None,
        description="date the child allowance for this child was claimed (default: the date asked)",
    )
    obstetric_compensation_scheme: bool = Field(
        default=True,
        description="born at an institution in the obstetric compensation scheme (産科医療補償制度)",
    )
    insured_person: bool | None = Field(
        default=None,
        description="insured in their own right (被保険者), not as a dependant; default: income ≥ 1,300,000",
    )
    standard_monthly_remuneration: int | None = Field(
        default=None, ge=0, description="標準報酬月額; default annual_income / 12"
    )
    childcare_leave_days: int = Field(
        default=0, ge=0, le=400, description="days of childcare leave for the birth"
    )
    birth_leave_days: int = Field(
        default=0,
        ge=0,
        le=28,
        description="days of 産後パパ育休 (出生時育児休業) within 8 weeks of the birth",
    )
    reduced_hours_monthly_wage: int | None = Field(
        default=None,
        ge=0,
        description="monthly wage while working reduced hours for a child under 2 (育児時短就業)",
    )


class Household(BaseModel):
    """A household: its municipality, whether it is a single-parent household, and its members."""

    model_config = ConfigDict(extra="forbid")

    municipality: str = Field(pattern=r"^[0-9]{6}$", description="6-digit local government code")
    single_parent: bool = False
    members: list[Member] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _unique_ids(self) -> Household:
        ids = [m.id for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("member ids must be unique")
        return self
