"""Employment-insurance benefits around a birth besides the childcare-leave benefit: 出生時育児休業給付金
(産後パパ育休) and 育児時短就業給付金 (reduced hours for a child under 2)."""

from __future__ import annotations

from datetime import timedelta

from tenohira.rules.context import Context, decision, member, not_in_force
from tenohira.rules.context import decision as _decision
from tenohira.rules.dates import (
    anniversary,
)
from tenohira.rules.income import (
    percent,
)
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import NOTHING, Yen, cat, join, say


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


# --- 育児休業給付金・出生後休業支援給付金 childcare-leave benefit ------------------------------------


def _decide_childcare_leave_benefit(ctx: Context) -> BenefitDecision:
    p = ctx.params["childcare_leave_benefit"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    infants = [m for _, m in ctx.children if ctx.on < anniversary(m.birth_date, 1)]
    parents = [m for m in ctx.household.members if m.role == "parent"]
    per_member: list[MemberDecision] = []
    total = 0
    entitled = 0  # what the parents receive a month once on leave
    topup_total = 0
    postnatal = int(p.setting("postnatal_leave_days"))
    if not infants:
        return _decision(
            p, v, say("no_infant"), eligible=False, monthly_amount=0, details={"additional_lump_sum": 0}
        )
    youngest = max(infants, key=lambda m: m.birth_date)
    cap = int(v["daily_wage_cap"])
    pct_first, pct_after, pct_topup = (
        percent(v["rate_first"]),
        percent(v["rate_after"]),
        percent(v["topup_rate"]),
    )
    for parent in parents:
        if not parent.employment_insured:
            per_member.append(member(parent.id, say("not_employment_insured"), amount=0))
            continue
        daily = min(parent.annual_income // 360, cap)
        start = youngest.birth_date + timedelta(days=postnatal + 1 if parent.sex == "female" else 0)
        if parent.childcare_leave_days <= 0:
            # Only leave the parent declared is paid: being insured is not being on leave.
            monthly = daily * 30 * pct_first // 100
            text = say("cl_not_declared", start=start, monthly=Yen(monthly), daily=Yen(daily))
            per_member.append(member(parent.id, text, amount=0))
            continue
        elapsed = (ctx.on - start).days
        pct = pct_first if elapsed < int(v["first_days"]) else pct_after
        monthly = daily * 30 * pct // 100
        entitled += monthly
        on_leave = ctx.on >= start
        if on_leave:
            total += monthly
        topup = 0
        topup_text = NOTHING
        if pct_topup > 0:
            # The spouse's leave is not required when there is no employment-insured spouse, or the
            # spouse is the mother: on the day after the birth she is on postnatal leave or not employed.
            others = [o for o in parents if o is not parent and o.employment_insured and o is not ctx.mother]
            spouse_ok = all(o.childcare_leave_days >= int(v["topup_min_days"]) for o in others)
            days = min(int(v["topup_max_days"]), parent.childcare_leave_days)
            if parent.childcare_leave_days >= int(v["topup_min_days"]) and spouse_ok:
                topup = daily * days * pct_topup // 100
                topup_total += topup
                why = say("cl_spouse_also") if others else say("cl_spouse_not_required")
                topup_text = say("cl_topup", why=why, days=days, amount=Yen(topup))
            elif parent.childcare_leave_days < int(v["topup_min_days"]):
                topup_text = say("cl_topup_needs_own")
            else:
                topup_text = say("cl_topup_needs_spouse")
        phase = say("cl_first_phase") if pct == pct_first else say("cl_later_phase")
        if on_leave:
            text = say(
                "cl_on_leave", daily=Yen(daily), cap=Yen(cap), phase=phase, monthly=Yen(monthly), start=start
            )
        else:
            text = say("cl_postnatal", start=start, monthly=Yen(monthly), daily=Yen(daily))
        per_member.append(member(parent.id, join(text, topup_text), amount=monthly if on_leave else 0))
    if not entitled:
        head, tail = say("cl_summary_none"), NOTHING
    elif total:
        head = say("cl_summary_on", total=Yen(total))
    else:
        head = say("cl_summary_before", total=Yen(entitled))
    if entitled:
        tail = say("cl_summary_topup", topup=Yen(topup_total)) if topup_total else say("cl_summary_end")
    return _decision(
        p,
        v,
        cat(head, tail),
        eligible=entitled > 0,
        monthly_amount=total,
        per_member=per_member,
        details={"additional_lump_sum": topup_total, "child": youngest.id, "monthly_once_on_leave": entitled},
    )
