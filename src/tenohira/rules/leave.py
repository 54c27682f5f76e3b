# ruff: noqa: E501  (bilingual reason texts read better unbroken)
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
from tenohira.rules.prose import en_date, jdate, yen, yen_en
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
            p,
            v,
            eligible=False,
            monthly_amount=0,
            summary="1歳未満の子がいないため対象外です。",
            summary_en="No child under 1.",
            details={"additional_lump_sum": 0},
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
            per_member.append(
                MemberDecision(
                    member=parent.id,
                    amount=0,
                    reason="雇用保険の被保険者ではないため対象外。",
                    reason_en="Not insured under employment insurance.",
                )
            )
            continue
        daily = min(parent.annual_income // 360, cap)
        start = youngest.birth_date + timedelta(days=postnatal + 1 if parent.sex == "female" else 0)
        elapsed = (ctx.on - start).days
        pct = pct_first if elapsed < int(v["first_days"]) else pct_after
        monthly = daily * 30 * pct // 100
        entitled += monthly
        on_leave = ctx.on >= start
        if on_leave:
            total += monthly
        topup = 0
        topup_ja = topup_en = ""
        if pct_topup > 0:
            # The spouse's leave is not required when there is no employment-insured spouse, or the
            # spouse is the mother: on the day after the birth she is on postnatal leave or not employed.
            others = [o for o in parents if o is not parent and o.employment_insured and o is not ctx.mother]
            spouse_ok = all(o.childcare_leave_days >= int(v["topup_min_days"]) for o in others)
            days = min(int(v["topup_max_days"]), parent.childcare_leave_days)
            if parent.childcare_leave_days >= int(v["topup_min_days"]) and spouse_ok:
                topup = daily * days * pct_topup // 100
                topup_total += topup
                why_ja = (
                    "配偶者も14日以上休業するため"
                    if others
                    else "配偶者の休業は要件となりません（配偶者が産後休業中、または雇用保険の被保険者でない）ため"
                )
                why_en = (
                    "the spouse also takes 14+ days"
                    if others
                    else "the spouse's leave is not required (the spouse is on postnatal leave or not employment-insured)"
                )
                topup_ja = f"出生後休業支援給付金：本人が14日以上休業し、{why_ja}、賃金日額の13% × {days}日 = {yen(topup)}。"
                topup_en = f" Post-birth leave top-up: 14+ days of leave and {why_en}, so 13% × {days} days = {yen_en(topup)}."
            elif parent.childcare_leave_days < int(v["topup_min_days"]):
                topup_ja = (
                    "出生後休業支援給付金は、本人が子の出生後の一定期間に14日以上休業すると加算されます。"
                )
                topup_en = " The 13% top-up needs 14+ days of leave soon after the birth."
            else:
                topup_ja = (
                    "出生後休業支援給付金は、雇用保険に加入している配偶者も14日以上休業すると加算されます。"
                )
                topup_en = " The 13% top-up also needs 14+ days of leave by the employment-insured spouse."
        phase_ja = "休業開始から180日まで67%" if pct == pct_first else "181日目から50%"
        phase_en = "67% for the first 180 days" if pct == pct_first else "50% from day 181"
        if on_leave:
            reason = (
                f"雇用保険の被保険者。1歳未満の子の育児休業中は、休業開始時賃金日額{yen(daily)}"
                f"（上限{yen(cap)}）× 30日 × {phase_ja} = 月{yen(monthly)}（休業開始は{jdate(start)}）。{topup_ja}"
            )
            reason_en = (
                f"Employment-insured. While on childcare leave for the child under 1: daily wage "
                f"{yen_en(daily)} (cap {yen_en(cap)}) × 30 × {phase_en} = {yen_en(monthly)} a month (leave from "
                f"{en_date(start)}).{topup_en}"
            )
        else:
            reason = (
                f"雇用保険の被保険者。産後休業中（出産の翌日から56日、出産手当金の期間）のため、この月の育児休業給付金はありません。"
                f"育児休業は{jdate(start)}から取れ、その間は月{yen(monthly)}（休業開始時賃金日額{yen(daily)} × 30日 × 67%）。{topup_ja}"
            )
            reason_en = (
                f"Employment-insured. On postnatal leave (56 days after the birth, covered by the maternity allowance), so no "
                f"childcare-leave benefit this month. Childcare leave can start on {en_date(start)}, then {yen_en(monthly)} a "
                f"month (daily wage {yen_en(daily)} × 30 × 67%).{topup_en}"
            )
        per_member.append(
            MemberDecision(
                member=parent.id,
                amount=monthly if on_leave else 0,
                reason=reason,
                reason_en=reason_en,
            )
        )
    return _decision(
        p,
        v,
        eligible=entitled > 0,
        monthly_amount=total,
        summary=(
            f"この月の育児休業給付金は月額合計{yen(total)}"
            if total
            else f"育児休業を始めると月額合計{yen(entitled)}（この月はまだ休業前または産後休業中）"
        )
        + (f"、出生後休業支援給付金{yen(topup_total)}。" if topup_total else "。"),
        summary_en=(
            f"{yen_en(total)} a month while on leave"
            if total
            else f"{yen_en(entitled)} a month once on leave (not yet on leave this month, or on postnatal leave)"
        )
        + (f", plus a top-up of {yen_en(topup_total)}." if topup_total else "."),
        per_member=per_member,
        details={"additional_lump_sum": topup_total, "child": youngest.id, "monthly_once_on_leave": entitled},
    )
