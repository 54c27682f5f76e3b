"""Employment-insurance benefits around a birth besides the childcare-leave benefit: 出生時育児休業給付金
(産後パパ育休) and 育児時短就業給付金 (reduced hours for a child under 2)."""

from __future__ import annotations

from tenohira.rules.context import Context, decision, member, not_in_force
from tenohira.rules.dates import anniversary
from tenohira.rules.income import percent
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import Yen, say


def decide_birth_childcare_leave_benefit(ctx: Context) -> BenefitDecision:
    """出生時育児休業給付金: 67% of the daily wage for up to 28 days of leave within 8 weeks of a birth."""
    p = ctx.params["birth_childcare_leave_benefit"]
    births = ctx.recent_births(int(p.setting("claim_window_days")))
    if not births:
        return decision(p, p.at(ctx.on), say("birth_leave_no_birth"), eligible=False, amount=0)
    youngest = max(births, key=lambda m: m.birth_date)
    v = p.at(youngest.birth_date)
    if v is None:
        return not_in_force(p, youngest.birth_date)
    cap, rate = int(v["daily_wage_cap"]), percent(v["rate"])
    max_days = int(p.setting("max_days"))
    per_member: list[MemberDecision] = []
    total = 0
    for parent in (m for m in ctx.household.members if m.role == "parent"):
        if parent is ctx.mother:
            per_member.append(member(parent.id, say("birth_leave_mother"), amount=0))
        elif not parent.employment_insured:
            per_member.append(member(parent.id, say("not_employment_insured"), amount=0))
        elif parent.birth_leave_days <= 0:
            per_member.append(member(parent.id, say("birth_leave_none"), amount=0))
        else:
            days = min(max_days, parent.birth_leave_days)
            daily = min(parent.annual_income // 360, cap)
            amount = daily * days * rate // 100
            total += amount
            text = say("birth_leave_paid", days=days, daily=Yen(daily), cap=Yen(cap), amount=Yen(amount))
            per_member.append(member(parent.id, text, amount=amount))
    return decision(
        p,
        v,
        say("birth_leave_summary", total=Yen(total)),
        eligible=total > 0,
        amount=total,
        per_member=per_member,
        details={"child": youngest.id},
    )


def decide_childcare_reduced_hours_benefit(ctx: Context) -> BenefitDecision:
    """育児時短就業給付金: 10% of the reduced wage, never above the wage before, for a child under 2."""
    p = ctx.params["childcare_reduced_hours_benefit"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    under = int(v["child_under_age"])
    if not any(ctx.on < anniversary(m.birth_date, under) for _, m in ctx.children):
        return decision(p, v, say("no_child_under_2"), eligible=False, monthly_amount=0)
    rate, limit = percent(v["rate"]), int(v["monthly_limit"])
    per_member: list[MemberDecision] = []
    total = 0
    for parent in (m for m in ctx.household.members if m.role == "parent"):
        wage = parent.reduced_hours_monthly_wage or 0
        before = parent.annual_income // 12
        if not parent.employment_insured:
            per_member.append(member(parent.id, say("not_employment_insured"), amount=0))
        elif wage <= 0:
            per_member.append(member(parent.id, say("reduced_not_declared"), amount=0))
        elif wage >= before:
            per_member.append(
                member(parent.id, say("reduced_no_drop", wage=Yen(wage), before=Yen(before)), amount=0)
            )
        else:
            amount = max(0, min(wage * rate // 100, before - wage, limit - wage))
            total += amount
            text = say("reduced_paid", wage=Yen(wage), before=Yen(before), amount=Yen(amount))
            per_member.append(member(parent.id, text, amount=amount))
    return decision(
        p,
        v,
        say("reduced_summary", total=Yen(total)),
        eligible=total > 0,
        monthly_amount=total,
        per_member=per_member,
    )
