"""Contributions waived around a birth and while raising a baby (国民年金・国民健康保険の保険料免除).

No money is paid: the decision says who is exempted and for which months, and that a notification
is needed. The premium itself is set by each municipality (NHI) or each year (pension) and is not
computed here.
"""

from __future__ import annotations

from datetime import date

from tenohira.rules.context import Context, decision, first_insured_pension, member, not_in_force
from tenohira.rules.dates import anniversary, month_index
from tenohira.rules.params import BenefitParameters, Version
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import Text, month_text, say


def _month(index: int) -> Text:
    return month_text(index // 12, index % 12 + 1)


def _parse_month(label: str) -> int:
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def birth_events(ctx: Context, window: int) -> list[tuple[date, int, bool]]:
    """(date, babies, expected): each birth in the window (twins are one event) and a due date."""
    births: dict[date, int] = {}
    for child in ctx.recent_births(window):
        births[child.birth_date] = births.get(child.birth_date, 0) + 1
    events = [(d, n, False) for d, n in sorted(births.items())]
    mother = ctx.mother
    if mother is not None and mother.expecting_due_date is not None:
        events.append((mother.expecting_due_date, mother.expected_babies, True))
    return events


def exempt_months(v: Version, when: date, babies: int) -> tuple[int, int] | None:
    """First and last month index waived for a birth (or due date) ``when``; None if none is left
    after the scheme's first month."""
    multiple = babies > 1
    first = month_index(when) - int(v["months_before_multiple" if multiple else "months_before"])
    last = first + int(v["months_multiple" if multiple else "months"]) - 1
    first = max(first, _parse_month(str(v["first_exempt_month"])))
    return (first, last) if first <= last else None


def _maternity_exemption(ctx: Context, p: BenefitParameters, premium: str, insured: bool) -> BenefitDecision:
    mother = ctx.mother
    v_now = p.at(ctx.on)
    if mother is None:
        return decision(p, v_now, say("no_mother"), eligible=False)
    if not insured:
        key = "nhi_not_insured" if premium == "premium_nhi" else "pension_not_first"
        return decision(p, v_now, say(key), eligible=False, per_member=[member(mother.id, say(key))])
    per_member: list[MemberDecision] = []
    used: Version | None = None
    covered = 0
    months: list[dict[str, object]] = []
    for when, babies, expected in birth_events(ctx, int(p.setting("window_days"))):
        what = say("exempt_due" if expected else "exempt_birth", d=when)
        v = p.at(when)
        if v is None:
            first_version = p.versions[0].effective_from
            per_member.append(
                member(mother.id, say("exempt_too_early", what=what, **{"from": first_version}))
            )
            continue
        span = exempt_months(v, when, babies)
        if span is None:
            continue
        used = v
        covered += 1
        first, last = span
        months.append(
            {
                "event": when.isoformat(),
                "from": f"{first // 12:04d}-{first % 12 + 1:02d}",
                "to": f"{last // 12:04d}-{last % 12 + 1:02d}",
            }
        )
        text = say(
            "exempt_months",
            what=what,
            babies=say("many_babies" if babies > 1 else "one_baby"),
            first=_month(first),
            last=_month(last),
            n=last - first + 1,
            premium=say(premium),
        )
        per_member.append(member(mother.id, text))
    return decision(
        p,
        used or v_now,
        say("exempt_summary", n=covered) if covered else say("exempt_none"),
        eligible=covered > 0,
        per_member=per_member,
        details={"mother": mother.id, "exempt_months": months, "covered_children": int(covered > 0)},
    )


def decide_nhi_maternity_premium_exemption(ctx: Context) -> BenefitDecision:
    """国民健康保険料の産前産後期間の免除 (from January 2024)."""
    p = ctx.params["nhi_maternity_premium_exemption"]
    mother = ctx.mother
    return _maternity_exemption(ctx, p, "premium_nhi", mother is not None and mother.insurance == "nhi")


def decide_national_pension_maternity_exemption(ctx: Context) -> BenefitDecision:
    """国民年金保険料の産前産後期間の免除 (from April 2019)."""
    p = ctx.params["national_pension_maternity_exemption"]
    mother = ctx.mother
    insured = mother is not None and first_insured_pension(mother, ctx.on)
    return _maternity_exemption(ctx, p, "premium_pension", insured)


def decide_national_pension_childcare_exemption(ctx: Context) -> BenefitDecision:
    """国民年金保険料の育児期間の免除 (from 2026-10-01): each category 1 parent of a child under 1."""
    p = ctx.params["national_pension_childcare_exemption"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    under = int(v["child_under_age"])
    infants = [m for _, m in ctx.children if ctx.on < anniversary(m.birth_date, under)]
    if not infants:
        return decision(p, v, say("no_infant"), eligible=False, details={"covered_children": 0})
    per_member: list[MemberDecision] = []
    covered = 0
    for parent in (m for m in ctx.household.members if m.role == "parent" and ctx.born(m)):
        if first_insured_pension(parent, ctx.on):
            covered += 1
            per_member.append(member(parent.id, say("pension_childcare_parent")))
        else:
            per_member.append(member(parent.id, say("pension_childcare_not")))
    return decision(
        p,
        v,
        say("pension_childcare_summary", n=covered) if covered else say("pension_childcare_not"),
        eligible=covered > 0,
        per_member=per_member,
        details={"covered_children": covered},
    )
