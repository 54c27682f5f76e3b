"""Dated parameters: amounts and limits as data, each version with its effective date and source.

A change of law is a change of data: add a version with the date it takes effect. Evaluating a
past date picks the version in force on that date. The files live in ``parameters/*.yaml`` and are
validated on load; facts that could not be confirmed are listed in each version's ``unconfirmed``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field

from tenohira.rules.dates import to_days

BENEFIT_IDS: tuple[str, ...] = (
    "child_allowance",  # 児童手当
    "childbirth_lump_sum",  # 出産育児一時金
    "pregnancy_support_benefit",  # 妊婦のための支援給付
    "child_medical_subsidy",  # 子ども医療費助成
    "single_parent_allowance",  # 児童扶養手当
    "maternity_allowance",  # 出産手当金
    "childcare_leave_benefit",  # 育児休業給付金・出生後休業支援給付金
    "premature_infant_care",  # 未熟児養育医療
    "child_allowance_revision",  # 児童手当 額改定認定請求
    "birth_childcare_leave_benefit",  # 出生時育児休業給付金
    "childcare_reduced_hours_benefit",  # 育児時短就業給付金
    "nhi_maternity_premium_exemption",  # 国民健康保険料の産前産後期間の免除
    "national_pension_maternity_exemption",  # 国民年金保険料の産前産後期間の免除
    "national_pension_childcare_exemption",  # 国民年金保険料の育児期間の免除
    "low_birth_weight_notification",  # 低体重児の届出
)


class LegalBasis(BaseModel):
    """One legal provision, cited in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ja: str
    en: str


class Version(BaseModel):
    """The values of a rule from ``effective_from`` until the next version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    effective_from: date
    source: str
    note_en: str | None = None
    confirmed: list[str] = Field(default_factory=list)
    unconfirmed: list[str] = Field(default_factory=list)
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


class Versioned(BaseModel):
    """Something with dated versions."""

    model_config = ConfigDict(extra="allow", frozen=True)
    versions: list[Version]

    def at(self, on: date) -> Version | None:
        """The version in force on ``on`` (None before the first one)."""
        found: Version | None = None
        for v in self.versions:
            if v.effective_from <= on:
                found = v
        return found

    def starts(self) -> npt.NDArray[np.int64]:
        """Effective dates as day numbers, for ``np.searchsorted`` over many dates at once."""
        return np.array([to_days(v.effective_from) for v in self.versions], dtype=np.int64)

    def column(self, key: str, default: float = 0) -> npt.NDArray[np.float64]:
        """One value across versions (same order as :meth:`starts`)."""
        return np.array(
            [default if v.values.get(key) is None else v.values[key] for v in self.versions], dtype=np.float64
        )


class MunicipalScheme(Versioned):
    """A municipal scheme's configuration in one municipality."""

    name_ja: str
    name_en: str
    legal_basis: LegalBasis


class BenefitParameters(Versioned):
    """The parameter file of one benefit."""

    id: str
    name_ja: str
    name_en: str
    kind: str
    legal_basis: list[LegalBasis]
    municipalities: dict[str, MunicipalScheme] = Field(default_factory=dict)

    def setting(self, key: str) -> Any:
        """A top-level setting of the file besides the versions (e.g. ``claim_window_days``)."""
        assert self.model_extra is not None
        return self.model_extra[key]


def _sorted(p: BenefitParameters) -> BenefitParameters:
    dates = [v.effective_from for v in p.versions]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise ValueError(f"{p.id}: versions must be in increasing order of effective_from")
    for code, scheme in p.municipalities.items():
        mdates = [v.effective_from for v in scheme.versions]
        if mdates != sorted(mdates):
            raise ValueError(f"{p.id}/{code}: versions must be in increasing order")
    return p


@lru_cache(maxsize=1)
def load_parameters() -> dict[str, BenefitParameters]:
    """Every benefit's parameters, read and validated once from the package data."""
    out: dict[str, BenefitParameters] = {}
    folder = resources.files("tenohira.rules") / "parameters"
    for benefit in BENEFIT_IDS:
        raw = yaml.safe_load((folder / f"{benefit}.yaml").read_text(encoding="utf-8"))
        if "versions" not in raw:
            raw["versions"] = []
        params = _sorted(BenefitParameters.model_validate(raw))
        if params.id != benefit:
            raise ValueError(f"{benefit}.yaml declares id {params.id}")
        out[benefit] = params
    return out
