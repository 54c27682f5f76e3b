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
