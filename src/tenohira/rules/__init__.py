"""Rules as code: eligibility and amounts with dated parameters, explanations, population screening.

Public face (import only from here):

- :class:`Household`, :class:`Member` — the household document (``rules explain --household FILE``).
- :func:`explain` ``(household, on) -> Explanation`` — every benefit decided for one household on one
  date, with per-member reasons in Japanese and English, legal basis and sources.
- :class:`Population` — residents as numpy columns; :func:`evaluate` ``(population, on)`` gives per
  household eligibility and amounts; :func:`screen` ``(population, on)`` totals per benefit;
  :func:`synthetic_population` ``(residents, on, seed=...)`` builds a deterministic test population;
  :func:`compare` ``(population, before, after)`` reports what a rule change does to every household.
- :func:`load_parameters` — the dated parameter files; :data:`BENEFIT_IDS` — the benefits decided.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.rules.household import Household, Member
    from tenohira.rules.params import BENEFIT_IDS, BenefitParameters, load_parameters
    from tenohira.rules.population import (
        INSURANCE_EMPLOYEE,
        INSURANCE_NHI,
        INSURANCE_NONE,
        NO_DATE,
        ROLE_CHILD,
        ROLE_OTHER,
        ROLE_PARENT,
        HouseholdResults,
        Population,
        ScreenReport,
        compare,
        evaluate,
        screen,
        synthetic_population,
    )
    from tenohira.rules.schemas import BenefitDecision, Explanation, MemberDecision
    from tenohira.rules.service import explain

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Household": "tenohira.rules.household",
        "Member": "tenohira.rules.household",
        "BENEFIT_IDS": "tenohira.rules.params",
        "BenefitParameters": "tenohira.rules.params",
        "load_parameters": "tenohira.rules.params",
        "INSURANCE_EMPLOYEE": "tenohira.rules.population",
        "INSURANCE_NHI": "tenohira.rules.population",
        "INSURANCE_NONE": "tenohira.rules.population",
        "NO_DATE": "tenohira.rules.population",
        "ROLE_CHILD": "tenohira.rules.population",
        "ROLE_OTHER": "tenohira.rules.population",
        "ROLE_PARENT": "tenohira.rules.population",
        "HouseholdResults": "tenohira.rules.population",
        "Population": "tenohira.rules.population",
        "ScreenReport": "tenohira.rules.population",
        "compare": "tenohira.rules.population",
        "evaluate": "tenohira.rules.population",
        "screen": "tenohira.rules.population",
        "synthetic_population": "tenohira.rules.population",
        "BenefitDecision": "tenohira.rules.schemas",
        "Explanation": "tenohira.rules.schemas",
        "MemberDecision": "tenohira.rules.schemas",
        "explain": "tenohira.rules.service",
    },
)

__all__ = [
    "BENEFIT_IDS",
    "INSURANCE_EMPLOYEE",
    "INSURANCE_NHI",
    "INSURANCE_NONE",
    "NO_DATE",
    "ROLE_CHILD",
    "ROLE_OTHER",
    "ROLE_PARENT",
    "BenefitDecision",
    "BenefitParameters",
    "Explanation",
    "Household",
    "HouseholdResults",
    "Member",
    "MemberDecision",
    "Population",
    "ScreenReport",
    "compare",
    "evaluate",
    "explain",
    "load_parameters",
    "screen",
    "synthetic_population",
]
