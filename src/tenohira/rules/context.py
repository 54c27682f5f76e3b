"""What every decider shares: the household's derived facts, and the decision factory.

The deciders (one module per family of benefits) take a :class:`Context` and return a
:class:`BenefitDecision`; their sentences come from :mod:`tenohira.rules.texts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tenohira.rules.dates import age_on
from tenohira.rules.household import Household, Member
from tenohira.rules.income import DEPENDANT_INCOME_LIMIT
from tenohira.rules.params import BenefitParameters, Version
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import Text, say


@dataclass(frozen=True)
class Context:
    """What every rule needs: the household, the date, and the derived facts shared by rules."""

    household: Household
    on: date
    params: dict[str, BenefitParameters]

    def born(self, m: Member) -> bool:
        return m.birth_date <= self.on

    @property
    def children(self) -> list[tuple[int, Member]]:
        return [(i, m) for i, m in enumerate(self.household.members) if m.role == "child" and self.born(m)]

    @property
    def claimant(self) -> Member | None:
        """The member who mainly supports the household: the non-child with the highest income."""
        best: Member | None = None
        for m in self.household.members:
            if m.role != "child" and self.born(m) and (best is None or m.annual_income > best.annual_income):
                best = m
        return best

    def dependants(self, claimant: Member) -> list[Member]:
        """扶養親族等: other members with income up to 1,030,000 (children only when supported)."""
        return [
            m
            for m in self.household.members
            if m is not claimant
            and self.born(m)
            and m.annual_income <= DEPENDANT_INCOME_LIMIT
            and (m.role != "child" or m.supported)
        ]

    @property
    def mother(self) -> Member | None:
        """The first female parent: the one whose pregnancy and births the birth benefits concern."""
        for m in self.household.members:
            if m.role == "parent" and m.sex == "female":
                return m
        return None

    def recent_births(self, window_days: int) -> list[Member]:
        """Children born on or before the date and no more than ``window_days`` before it."""
        return [m for _, m in self.children if self.on <= m.birth_date + timedelta(days=window_days)]


def decision(
    p: BenefitParameters, version: Version | None, text: Text | None = None, **kwargs: object
) -> BenefitDecision:
    """A decision on ``p`` that cites its basis, the source of ``version`` and what is unconfirmed;
    ``text`` is the summary in the three languages."""
    if text is not None:
        kwargs.update(summary=text[0], summary_en=text[1], summary_easy=text[2])
    return BenefitDecision(
        id=p.id,
        name_ja=p.name_ja,
        name_en=p.name_en,
        kind=p.kind,
        legal_basis=list(p.legal_basis),
        sources=[version.source] if version else [],
        effective_from=version.effective_from if version else None,
        unconfirmed=list(version.unconfirmed) if version else [],
        **kwargs,  # type: ignore[arg-type]
    )


def not_in_force(p: BenefitParameters, on: date) -> BenefitDecision:
    return decision(p, None, say("not_in_force", on=on), eligible=False)


def member(
    member_id: str, text: Text, amount: int | None = None, counted_as: int | None = None
) -> MemberDecision:
    """How one member counts, with the reason in the three languages."""
    return MemberDecision(
        member=member_id,
        amount=amount,
        counted_as=counted_as,
        reason=text[0],
        reason_en=text[1],
        reason_easy=text[2],
    )


def first_insured_pension(m: Member, on: date) -> bool:
    """国民年金の第1号被保険者, as far as the household document tells: aged 20-59 and on National
    Health Insurance (employees are category 2, their dependants category 3)."""
    return m.insurance == "nhi" and 20 <= age_on(m.birth_date, on) < 60
