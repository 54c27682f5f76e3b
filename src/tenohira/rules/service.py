"""Single-household decisions with explanations (the caseworker's view).

Each decider applies the parameters in force on the date asked and says, per member, how the member
counts and why. The deciders live by family of benefits — ``allowances`` (児童手当, its revision,
子ども医療費助成, 児童扶養手当), ``childbirth`` (出産育児一時金, 妊婦のための支援給付, 出産手当金,
未熟児養育医療),
``leave`` (育児休業給付金, 出生時育児休業給付金, 育児時短就業給付金), ``exemptions`` (保険料免除) and
``notifications`` (低体重児の届出); their sentences come from ``texts`` (some older ones still inline).
``population.py`` computes the same eligibility and amounts for a whole municipality at once; tests
check both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tenohira.rules.allowances import (
    _decide_child_allowance,
    _decide_child_allowance_revision,
    _decide_child_medical_subsidy,
    _decide_single_parent_allowance,
    single_parent_amount,
)
from tenohira.rules.childbirth import (
    _decide_childbirth_lump_sum,
    _decide_maternity_allowance,
    _decide_pregnancy_support_benefit,
    _decide_premature_infant_care,
    maternity_insured,
)
from tenohira.rules.context import Context
from tenohira.rules.exemptions import (
    decide_national_pension_childcare_exemption,
    decide_national_pension_maternity_exemption,
    decide_nhi_maternity_premium_exemption,
)
from tenohira.rules.household import Household
from tenohira.rules.leave import (
    _decide_childcare_leave_benefit,
    decide_birth_childcare_leave_benefit,
    decide_childcare_reduced_hours_benefit,
)
from tenohira.rules.notifications import decide_low_birth_weight_notification
from tenohira.rules.params import BENEFIT_IDS, load_parameters
from tenohira.rules.schemas import BenefitDecision, Explanation

__all__ = ["DECIDERS", "explain", "maternity_insured", "single_parent_amount"]


DECIDERS: dict[str, Callable[[Context], BenefitDecision]] = {
    "child_allowance": _decide_child_allowance,
    "childbirth_lump_sum": _decide_childbirth_lump_sum,
    "pregnancy_support_benefit": _decide_pregnancy_support_benefit,
    "child_medical_subsidy": _decide_child_medical_subsidy,
    "single_parent_allowance": _decide_single_parent_allowance,
    "maternity_allowance": _decide_maternity_allowance,
    "childcare_leave_benefit": _decide_childcare_leave_benefit,
    "premature_infant_care": _decide_premature_infant_care,
    "child_allowance_revision": _decide_child_allowance_revision,
    "birth_childcare_leave_benefit": decide_birth_childcare_leave_benefit,
    "childcare_reduced_hours_benefit": decide_childcare_reduced_hours_benefit,
    "nhi_maternity_premium_exemption": decide_nhi_maternity_premium_exemption,
    "national_pension_maternity_exemption": decide_national_pension_maternity_exemption,
    "national_pension_childcare_exemption": decide_national_pension_childcare_exemption,
    "low_birth_weight_notification": decide_low_birth_weight_notification,
}
assert tuple(DECIDERS) == BENEFIT_IDS


def explain(household: Household, on: date, benefits: list[str] | None = None) -> Explanation:
    """Decide every benefit (or the ``benefits`` named) for ``household`` on ``on``, with reasons."""
    ctx = Context(household=household, on=on, params=load_parameters())
    wanted = benefits or list(BENEFIT_IDS)
    unknown = [b for b in wanted if b not in DECIDERS]
    if unknown:
        raise KeyError(", ".join(unknown))
    return Explanation(
        date=on, municipality=household.municipality, benefits=[DECIDERS[b](ctx) for b in wanted]
    )
