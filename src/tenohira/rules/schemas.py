"""What a decision looks like: per benefit, per member, with reasons in Japanese and English."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from tenohira.rules.params import LegalBasis


class MemberDecision(BaseModel):
    """How one member counts for one benefit, and why: ``reason`` in Japanese, ``reason_en`` in English,
    ``reason_easy`` in easy Japanese (やさしい日本語)."""

    member: str
    amount: int | None = None
    counted_as: int | None = Field(default=None, description="birth order used for the amount, if any")
    reason: str
    reason_en: str
    reason_easy: str = ""


class BenefitDecision(BaseModel):
    """The decision on one benefit for the household on one date."""

    id: str
    name_ja: str
    name_en: str
    kind: str = Field(description="monthly, lump_sum or in_kind")
    eligible: bool
    monthly_amount: int | None = None
    amount: int | None = None
    summary: str
    summary_en: str
    summary_easy: str = ""
    per_member: list[MemberDecision] = Field(default_factory=list)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    effective_from: date | None = Field(default=None, description="the parameter version applied")
    details: dict[str, Any] = Field(default_factory=dict)
    unconfirmed: list[str] = Field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """JSON shape of issue 4: a monthly benefit has ``monthly_amount``, a lump sum ``amount``."""
        data = self.model_dump(mode="json")
        if self.kind == "monthly":
            data.pop("amount")
        else:
            data.pop("monthly_amount")
        return data


class Explanation(BaseModel):
    """Every benefit decided for one household on one date."""

    date: date
    municipality: str
    benefits: list[BenefitDecision]

    def benefit(self, benefit_id: str) -> BenefitDecision:
        """The decision on ``benefit_id``."""
        for b in self.benefits:
            if b.id == benefit_id:
                return b
        raise KeyError(benefit_id)

    def as_json(self) -> dict[str, Any]:
        """The ``rules explain --json`` / ``POST /api/rules/explain`` document."""
        return {
            "date": self.date.isoformat(),
            "municipality": self.municipality,
            "benefits": [b.as_json() for b in self.benefits],
        }
