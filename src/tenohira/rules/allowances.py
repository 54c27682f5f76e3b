# ruff: noqa: E501  (bilingual reason texts read better unbroken)
"""Allowances decided by the municipality: 児童手当 (and its revision claim), 子ども医療費助成, 児童扶養手当."""

from __future__ import annotations

from datetime import timedelta

from tenohira.rules.context import Context, member, not_in_force
from tenohira.rules.context import decision as _decision
from tenohira.rules.dates import (
    age_on,
    fiscal_year,
    month_index,
    month_label,
    next_payment_month,
    school_cohort,
    school_year_end,
    through_birthday_month,
    under_age_at_month_start,
)
from tenohira.rules.household import Member
from tenohira.rules.income import (
    allowance_income,
    round10,
)
from tenohira.rules.params import Version
from tenohira.rules.prose import ordinal_en
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import NOTHING, Yen, month_text, say

# --- 児童手当 child allowance -----------------------------------------------------------------------


def _decide_child_allowance(ctx: Context) -> BenefitDecision:
    p = ctx.params["child_allowance"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    claimant = ctx.claimant
    if claimant is None:
        return _decision(p, v, say("ca_no_claimant"), eligible=False, monthly_amount=0)
    paid_until = int(v["paid_until_school_year_of_age"])
    counted_until = int(v["counted_until_school_year_of_age"])
    fy = fiscal_year(ctx.on)
    per_member: list[MemberDecision] = []
    counted: list[tuple[int, Member]] = []
    for idx, m in ctx.children:
        age = age_on(m.birth_date, ctx.on)
        g = fy - school_cohort(m.birth_date)
        if not m.supported:
            per_member.append(member(m.id, say("ca_not_supported", age=age), amount=0))
        elif g >= counted_until:
            end = school_year_end(m.birth_date, counted_until)
            per_member.append(member(m.id, say("ca_past_count", age=age, n=counted_until, end=end), amount=0))
        else:
            counted.append((idx, m))
    counted.sort(key=lambda t: (t[1].birth_date, t[0]))
    income = allowance_income(claimant.annual_income)
    deps = len(ctx.dependants(claimant))
    level = "full"
    if v["income_limit"]:
        limit = int(v["income_limit_base"]) + int(v["limit_per_dependant"]) * deps
        upper = v["upper_limit_base"]
        if upper is not None and income >= int(upper) + int(v["limit_per_dependant"]) * deps:
            level = "none"
        elif income >= limit:
            level = "special"
    total = 0
    for rank, (_, m) in enumerate(counted, start=1):
        g = fy - school_cohort(m.birth_date)
        age = age_on(m.birth_date, ctx.on)
        order = say("ca_order", rank=rank, counted=counted_until, rank_en=ordinal_en(rank))
        if g >= paid_until:
            end = school_year_end(m.birth_date, paid_until)
            text = say("ca_past_paid", age=age, order=order, n=paid_until, end=end)
            per_member.append(member(m.id, text, amount=0, counted_as=rank))
            continue
        third = rank >= 3
        if through_birthday_month(m.birth_date, 3, ctx.on):
            amount = int(v["under3_third_plus"] if third else v["under3_amount"])
            band = say("ca_band_birthday_month") if age >= 3 else say("ca_band_under3")
        elif g < int(v["primary_end_age"]):
            amount = int(v["primary_third_plus"] if third else v["primary_first_second"])
            if int(v["primary_end_age"]) >= paid_until:
                band = say("ca_band_to_school_year", n=paid_until)
            else:
                band = say("ca_band_primary")
        else:
            amount = int(v["junior_high"])
            band = say("ca_band_junior_high")
        if level == "special":
            amount = int(v["special_payment"])
            text = say("ca_special", age=age, order=order, income=Yen(income), amount=Yen(amount))
        elif level == "none":
            amount = 0
            text = say("ca_above_upper", age=age, order=order, income=Yen(income))
        else:
            third_text = say("ca_third") if third else NOTHING
            text = say("ca_amount", age=age, order=order, band=band, third=third_text, amount=Yen(amount))
        total += amount
        per_member.append(member(m.id, text, amount=amount, counted_as=rank))
    eligible = total > 0
    order_of = {m.id: i for i, m in enumerate(ctx.household.members)}
    per_member.sort(key=lambda d: order_of[d.member])
    months = [int(x) for x in v["payment_months"]]
    entitlement = month_index(ctx.on)
    starts: dict[str, str] = {}
    rule = int(p.setting("claim")["fifteen_day_rule_days"])
    amounts = {d.member: d.amount or 0 for d in per_member}
    # The monthly amount is the entitlement (月額); what is payable for this month also depends on
    # when payment starts for each child (the month after the claim, or after the birth: 15日特例).
    payable = 0
    for _, m in ctx.children:
        claim = m.claimed_on or ctx.on
        if m.birth_date <= claim <= m.birth_date + timedelta(days=rule):
            start = month_index(m.birth_date) + 1
        else:
            start = month_index(claim) + 1
        starts[m.id] = month_label(start)
        if start <= entitlement:
            payable += amounts.get(m.id, 0)
    details = {
        "claimant": claimant.id,
        "claimant_income": income,
        "dependants": deps,
        "payment_months": months,
        "paid_in": month_label(next_payment_month(entitlement, months)) if eligible else None,
        "months_per_payment": int(v["months_per_payment"]),
        "payment_start": starts,
        "payable_for_this_month": payable,
        "payment_start_rule": f"paid from the month after the claim; claimed within {rule} days of the birth "
        "(counted from the next day), from the month after the birth (15日特例)",
    }
    month = month_text(ctx.on.year, ctx.on.month)
    summary = say("ca_summary", total=Yen(total), month=month) if eligible else say("ca_summary_none")
    return _decision(
        p,
        v,
        summary,
        eligible=eligible,
        monthly_amount=total,
        per_member=per_member,
        details=details,
    )


def _decide_child_allowance_revision(ctx: Context) -> BenefitDecision:
    """額改定認定請求 (児童手当法 第9条): a child born in the last year into a household already paid
    for an older child. It and the first claim (認定請求, 第7条) exclude each other: a household
    already receiving claims the revision only, a household not receiving makes the first claim only.

    "Already receiving" is read from the household: an older child the allowance is paid for."""
    p = ctx.params["child_allowance_revision"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    allowance = _decide_child_allowance(ctx)
    births = {m.id: m.birth_date for _, m in ctx.children}
    paid = {d.member: d.amount or 0 for d in allowance.per_member if (d.amount or 0) > 0}
    window = int(p.setting("new_child_window_days"))
    per_member = []
    new: dict[str, int] = {}
    if paid:
        earliest = min(births[mid] for mid in paid)
        new = {
            mid: amount
            for mid, amount in paid.items()
            if births[mid] > earliest and ctx.on <= births[mid] + timedelta(days=window)
        }
    total = sum(new.values())
    # the older children already paid for: the household receives the allowance (受給中)
    older = [mid for mid in paid if new and mid not in new and births[mid] < min(births[n] for n in new)]
    receiving = bool(older)
    for mid in sorted(paid, key=lambda x: births[x]):
        if mid in new:
            text = say("revision_child", born=births[mid], amount=Yen(new[mid]))
            per_member.append(member(mid, text, new[mid]))
        elif mid in older:
            per_member.append(member(mid, say("revision_older_child")))
    if total:
        household_total = allowance.monthly_amount or 0
        summary = say("revision_summary", total=Yen(total), household=Yen(household_total))
    elif not receiving and ctx.recent_births(window):
        summary = say("revision_first_claim")
    else:
        summary = say("revision_none")
    return _decision(
        p,
        v,
        summary,
        eligible=total > 0,
        monthly_amount=total,
        per_member=per_member,
        details={
            "receiving_for_older_child": receiving,
            # what the household is paid a month once the revision is made (the notices show this)
            "household_monthly_amount": (allowance.monthly_amount or 0) if total else None,
        },
    )


# --- 子ども医療費助成 child medical subsidy (per municipality) -------------------------------------


def _decide_child_medical_subsidy(ctx: Context) -> BenefitDecision:
    p = ctx.params["child_medical_subsidy"]
    code = ctx.household.municipality
    scheme = p.municipalities.get(code)
    if scheme is None:
        return _decision(
            p,
            None,
            say("ms_not_configured"),
            eligible=False,
            details={"municipality_configured": False},
        )
    v = scheme.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    until = int(v["until_school_year_of_age"])
    claimant = ctx.claimant
    income_ok = True
    income = allowance_income(claimant.annual_income) if claimant else 0
    limit = None
    if v["income_limit_base"] is not None and claimant is not None:
        limit = int(v["income_limit_base"]) + int(v["limit_per_dependant"]) * len(ctx.dependants(claimant))
        income_ok = income < limit
    fy = fiscal_year(ctx.on)
    per_member: list[MemberDecision] = []
    covered = 0
    fee = int(v["copay_outpatient_per_visit"])
    for _, m in ctx.children:
        age = age_on(m.birth_date, ctx.on)
        end = school_year_end(m.birth_date, until)
        if fy - school_cohort(m.birth_date) >= until:
            per_member.append(member(m.id, say("ms_past", age=age, n=until, end=end)))
        elif not m.supported:
            per_member.append(member(m.id, say("ms_not_supported", age=age)))
        elif claimant is None or not income_ok:
            text = say("ms_income", age=age, income=Yen(income), limit=Yen(limit or 0))
            per_member.append(member(m.id, text))
        else:
            covered += 1
            if fee:
                text = say("ms_covered", age=age, end=end, fee=Yen(fee))
            else:
                text = say("ms_covered_free", age=age, end=end)
            per_member.append(member(m.id, text))
    decision = _decision(
        p,
        v,
        say("ms_summary", scheme=(scheme.name_ja, scheme.name_en, scheme.name_ja), n=covered),
        eligible=covered > 0,
        per_member=per_member,
        details={
            "municipality_configured": True,
            "covered_children": covered,
            "until_school_year_of_age": until,
            "copay_outpatient_per_visit": fee,
            "copay_inpatient_per_day": int(v["copay_inpatient_per_day"]),
            "income_limit": limit,
        },
    )
    # The municipality's own ordinance is the basis, not a national act.
    decision.legal_basis = [scheme.legal_basis]
    return decision


# --- 児童扶養手当 single-parent allowance -----------------------------------------------------------


def single_parent_amount(v: Version, n_children: int, income: int, deps: int) -> tuple[int, str]:
    """Monthly amount and level (full / partial / none) for ``n_children`` at ``income``."""
    full_limit = int(v["full_limit_base"]) + int(v["limit_per_dependant"]) * deps
    partial_limit = int(v["partial_limit_base"]) + int(v["limit_per_dependant"]) * deps
    if n_children <= 0 or income >= partial_limit:
        return 0, "none"
    if income < full_limit:
        total = int(v["first_full"])
        if n_children >= 2:
            total += int(v["second_full"])
        total += int(v["third_full"]) * max(0, n_children - 2)
        return total, "full"
    excess = income - full_limit

    def part(prefix: str) -> int:
        return max(
            int(v[f"{prefix}_partial_min"]),
            int(v[f"{prefix}_partial_max"]) - round10(excess * float(v[f"{prefix}_coef"])),
        )

    total = part("first")
    if n_children >= 2:
        total += part("second")
    total += part("third") * max(0, n_children - 2)
    return total, "partial"


def _decide_single_parent_allowance(ctx: Context) -> BenefitDecision:
    p = ctx.params["single_parent_allowance"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    claimant = ctx.claimant
    if not ctx.household.single_parent or claimant is None:
        return _decision(p, v, say("sp_not_single"), eligible=False, monthly_amount=0)
    until = int(p.setting("child_until_school_year_of_age"))
    disabled_under = int(p.setting("disabled_child_under_age"))
    fy = fiscal_year(ctx.on)
    per_member: list[MemberDecision] = []
    eligible_children: list[Member] = []
    for _, m in ctx.children:
        age = age_on(m.birth_date, ctx.on)
        within = fy - school_cohort(m.birth_date) < until
        disabled_ok = m.disabled and under_age_at_month_start(m.birth_date, disabled_under, ctx.on)
        if m.supported and (within or disabled_ok):
            eligible_children.append(m)
            why = say("sp_within", n=until) if within else say("sp_disabled", n=disabled_under)
            rank = len(eligible_children)
            per_member.append(member(m.id, say("sp_child", age=age, why=why, rank=rank), counted_as=rank))
        else:
            per_member.append(member(m.id, say("sp_not_counted", age=age)))
    income = allowance_income(claimant.annual_income)
    deps = len(ctx.dependants(claimant))
    total, level = single_parent_amount(v, len(eligible_children), income, deps)
    full_limit = int(v["full_limit_base"]) + int(v["limit_per_dependant"]) * deps
    partial_limit = int(v["partial_limit_base"]) + int(v["limit_per_dependant"]) * deps
    level_text = say(f"sp_{level}")
    text = say(
        "sp_claimant",
        income=Yen(income),
        deps=deps,
        full=Yen(full_limit),
        partial=Yen(partial_limit),
        level=level_text,
        total=Yen(total),
    )
    per_member.insert(0, member(claimant.id, text, amount=total))
    months = [int(x) for x in p.setting("payment_months")]
    return _decision(
        p,
        v,
        say("sp_summary", level=level_text, total=Yen(total), n=len(eligible_children)),
        eligible=total > 0,
        monthly_amount=total,
        per_member=per_member,
        details={
            "level": level,
            "claimant_income": income,
            "dependants": deps,
            "full_limit": full_limit,
            "partial_limit": partial_limit,
            "payment_months": months,
            "paid_in": month_label(next_payment_month(month_index(ctx.on), months)) if total else None,
        },
    )
