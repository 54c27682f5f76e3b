# ruff: noqa: E501  (bilingual reason texts read better unbroken)
"""Single-household decisions with explanations (the caseworker's view).

Each ``_decide_<benefit>`` applies the parameters in force on the date asked and says, per member,
how the member counts and why, in Japanese and English. ``population.py`` computes the same
eligibility and amounts for a whole municipality at once; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from tenohira.core import wording
from tenohira.rules.context import Context, member, not_in_force
from tenohira.rules.context import decision as _decision
from tenohira.rules.dates import (
    age_on,
    anniversary,
    fiscal_year,
    japanese_date,
    month_index,
    month_label,
    next_payment_month,
    school_cohort,
    school_year_end,
    through_birthday_month,
    under_age_at_month_start,
)
from tenohira.rules.exemptions import (
    decide_national_pension_childcare_exemption,
    decide_national_pension_maternity_exemption,
    decide_nhi_maternity_premium_exemption,
)
from tenohira.rules.household import Household, Member
from tenohira.rules.income import (
    allowance_income,
    maternity_daily,
    percent,
    round10,
)
from tenohira.rules.leave import decide_birth_childcare_leave_benefit, decide_childcare_reduced_hours_benefit
from tenohira.rules.notifications import decide_low_birth_weight_notification
from tenohira.rules.params import BENEFIT_IDS, BenefitParameters, Version, load_parameters
from tenohira.rules.schemas import BenefitDecision, Explanation, MemberDecision
from tenohira.rules.texts import NOTHING, Yen, month_text, say

_INSURANCE_JA = {"employee": "被用者保険（健康保険）", "nhi": "国民健康保険", "none": "なし"}


def yen(n: int) -> str:
    """``15,000円``."""
    return wording.yen(n, "ja")


def yen_en(n: int) -> str:
    """``15,000 yen``."""
    return f"{n:,} yen"


def ordinal_en(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``…"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def jdate(d: date) -> str:
    """``令和8年（2026年）3月31日``."""
    return japanese_date(d)


def en_date(d: date) -> str:
    """``31 March 2026`` (no ISO dates inside sentences)."""
    return wording.date_words(d, "en")


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
    """額改定認定請求: a child born in the last year into a household already paid for an older child."""
    p = ctx.params["child_allowance_revision"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    allowance = _decide_child_allowance(ctx)
    births = {m.id: m.birth_date for _, m in ctx.children}
    paid = {d.member: d.amount or 0 for d in allowance.per_member if (d.amount or 0) > 0}
    window = int(p.setting("new_child_window_days"))
    per_member = []
    total = 0
    if paid:
        earliest = min(births[mid] for mid in paid)
        for mid, amount in paid.items():
            born = births[mid]
            if born > earliest and ctx.on <= born + timedelta(days=window):
                total += amount
                per_member.append(member(mid, say("revision_child", born=born, amount=Yen(amount)), amount))
    return _decision(
        p,
        v,
        say("revision_summary", total=Yen(total)) if total else say("revision_none"),
        eligible=total > 0,
        monthly_amount=total,
        per_member=per_member,
    )


# --- 出産育児一時金 childbirth lump sum ----------------------------------------------------------------


def _lump_sum_for(p: BenefitParameters, when: date, in_scheme: bool) -> tuple[int, Version | None]:
    v = p.at(when)
    if v is None:
        return 0, None
    return int(v["in_scheme"] if in_scheme else v["outside_scheme"]), v


def _decide_childbirth_lump_sum(ctx: Context) -> BenefitDecision:
    p = ctx.params["childbirth_lump_sum"]
    v_now = p.at(ctx.on)
    mother = ctx.mother
    window = int(p.setting("claim_window_days"))
    # Only employee insurance has dependants (家族出産育児一時金); NHI insures each member herself.
    insured = next(
        (m for m in ctx.household.members if m.role == "parent" and m.insurance == "employee"), None
    )
    if mother is not None and mother.insurance != "none":
        insured = mother
    if mother is None or insured is None:
        return _decision(
            p,
            v_now,
            eligible=False,
            amount=0,
            summary="出産した母親が世帯にいない、または公的医療保険の加入者がいないため対象外です。",
            summary_en="No mother in the household, or no parent covered by public health insurance.",
            per_member=[]
            if mother is None
            else [
                MemberDecision(
                    member=mother.id,
                    amount=0,
                    reason="母親が公的医療保険に加入しておらず、被扶養者として入れる被用者保険の親もいません。",
                    reason_en="The mother has no public health insurance and no parent has employee insurance "
                    "she could be a dependant on.",
                )
            ],
        )
    via_ja = (
        "母親本人の医療保険"
        if insured is mother
        else "もう一方の親の勤務先の健康保険の被扶養者として（家族出産育児一時金）"
    )
    via_en = (
        "the mother's own health insurance"
        if insured is mother
        else "as a dependant on the other parent's employee health insurance"
    )
    total = 0
    per_member: list[MemberDecision] = []
    used: list[Version] = []
    for child in ctx.recent_births(window):
        amount, v = _lump_sum_for(p, child.birth_date, child.obstetric_compensation_scheme)
        if v is None:
            continue
        used.append(v)
        total += amount
        scheme_ja = (
            "産科医療補償制度に加入する医療機関等での出産"
            if child.obstetric_compensation_scheme
            else "産科医療補償制度の対象外の出産"
        )
        scheme_en = (
            "in the obstetric compensation scheme"
            if child.obstetric_compensation_scheme
            else "outside the obstetric compensation scheme"
        )
        per_member.append(
            MemberDecision(
                member=child.id,
                amount=amount,
                reason=f"{jdate(child.birth_date)}生まれ。{scheme_ja}のため1児{yen(amount)}"
                f"（{jdate(v.effective_from)}以降の出産の額）。{via_ja}で請求できます（出生の翌日から2年以内）。",
                reason_en=f"Born {en_date(child.birth_date)}, {scheme_en}: {yen_en(amount)} per baby (amount for births "
                f"from {en_date(v.effective_from)}), claimed through {via_en} within 2 years.",
            )
        )
    if mother.expecting_due_date is not None:
        amount, v = _lump_sum_for(p, mother.expecting_due_date, True)
        if v is not None:
            amount *= mother.expected_babies
            used.append(v)
            total += amount
            per_member.append(
                MemberDecision(
                    member=mother.id,
                    amount=amount,
                    reason=f"出産予定日は{jdate(mother.expecting_due_date)}、{mother.expected_babies}児の予定。"
                    f"直接支払制度により医療機関へ支払われます（{yen(amount)}の見込み）。",
                    reason_en=f"Due on {en_date(mother.expecting_due_date)} with {mother.expected_babies} baby(ies): "
                    f"{yen_en(amount)} expected, normally paid directly to the hospital.",
                )
            )
    v_shown = used[-1] if used else v_now
    return _decision(
        p,
        v_shown,
        eligible=total > 0,
        amount=total,
        summary=f"{via_ja}で合計{yen(total)}。" if total else "2年以内の出産も出産予定もないため対象外です。",
        summary_en=f"{yen_en(total)} in total through {via_en}."
        if total
        else "No birth in the last 2 years and no pregnancy.",
        per_member=per_member,
        details={"insured": insured.id, "claim_window_days": window},
    )


# --- 妊婦のための支援給付 pregnancy support benefit -------------------------------------------------


def _decide_pregnancy_support_benefit(ctx: Context) -> BenefitDecision:
    p = ctx.params["pregnancy_support_benefit"]
    mother = ctx.mother
    v_now = p.at(ctx.on)
    if mother is None:
        return _decision(
            p,
            v_now,
            eligible=False,
            amount=0,
            summary="妊婦・母親が世帯にいません。",
            summary_en="No mother in the household.",
        )
    window = int(p.setting("claim_window_days"))
    total = 0
    per_member: list[MemberDecision] = []
    used: list[Version] = []
    if mother.expecting_due_date is not None and v_now is not None:
        first = int(v_now["first_payment"])
        total += first
        used.append(v_now)
        per_member.append(
            MemberDecision(
                member=mother.id,
                amount=first,
                reason=f"妊娠中（出産予定日は{jdate(mother.expecting_due_date)}）。妊娠の認定後に1回目{yen(first)}（未受給の場合）。",
                reason_en=f"Pregnant (due on {en_date(mother.expecting_due_date)}): first payment of {yen_en(first)} "
                "after the pregnancy is recognised (if not yet received).",
            )
        )
    if mother.expecting_due_date is not None and v_now is not None:
        before = v_now.values.get("second_from_days_before_due")
        if before is not None:
            notice_from = mother.expecting_due_date - timedelta(days=int(before))
            n = mother.expected_babies
            if ctx.on >= notice_from:
                second = int(v_now["second_payment_per_baby"]) * n
                total += second
                per_member.append(
                    MemberDecision(
                        member=mother.id,
                        amount=second,
                        reason=f"出産予定日の8週間前（{jdate(notice_from)}）から胎児の数の届出ができます。"
                        f"2回目として胎児{n}人 × {yen(int(v_now['second_payment_per_baby']))} = {yen(second)}。",
                        reason_en=f"The number of fetuses can be notified from 8 weeks before the due date "
                        f"({en_date(notice_from)}): second payment {n} × {yen_en(int(v_now['second_payment_per_baby']))} = {yen_en(second)}.",
                    )
                )
            else:
                per_member.append(
                    MemberDecision(
                        member=mother.id,
                        amount=0,
                        reason=f"2回目（胎児1人につき{yen(int(v_now['second_payment_per_baby']))}）は、"
                        f"出産予定日の8週間前（{jdate(notice_from)}）から胎児の数を届け出て申請できます。",
                        reason_en=f"The second payment ({yen_en(int(v_now['second_payment_per_baby']))} per fetus) can be claimed "
                        f"from 8 weeks before the due date ({en_date(notice_from)}), with a notice of the number of fetuses.",
                    )
                )
    ended = mother.pregnancy_ended_on
    if ended is not None and ended <= ctx.on <= ended + timedelta(days=window):
        v_end = p.at(ended)
        if v_end is not None and v_end.values.get("loss_covered"):
            n = mother.expected_babies
            amount = int(v_end["first_payment"]) + int(v_end["second_payment_per_baby"]) * n
            total += amount
            used.append(v_end)
            per_member.append(
                MemberDecision(
                    member=mother.id,
                    amount=amount,
                    reason=f"{jdate(ended)}に妊娠が終わりました（流産・死産・人工妊娠中絶）。この場合も支給の対象です："
                    f"1回目{yen(int(v_end['first_payment']))}（未受給の場合）と、2回目として胎児{n}人 × "
                    f"{yen(int(v_end['second_payment_per_baby']))}、合計{yen(amount)}。",
                    reason_en=f"The pregnancy ended on {en_date(ended)} (miscarriage, stillbirth or abortion), which is "
                    f"also covered: the first payment of {yen_en(int(v_end['first_payment']))} (if not yet received) and "
                    f"the second, {n} × {yen_en(int(v_end['second_payment_per_baby']))}: {yen_en(amount)} in total.",
                )
            )
        elif v_end is not None:
            per_member.append(
                MemberDecision(
                    member=mother.id,
                    amount=0,
                    reason=f"{jdate(ended)}に妊娠が終わりました。この時期の制度（出産・子育て応援給付金）では、"
                    "流産・死産の場合の扱いを市町村が定めていたため、ここでは判定しません。",
                    reason_en=f"The pregnancy ended on {en_date(ended)}. Under the programme of that time the "
                    "municipality decided how such cases were treated, so this is not decided here.",
                )
            )
    for child in ctx.recent_births(window):
        v = p.at(child.birth_date)
        if v is None:
            per_member.append(
                MemberDecision(
                    member=child.id,
                    amount=0,
                    reason=f"{jdate(child.birth_date)}生まれ。制度の開始前の出生のため対象外です。",
                    reason_en=f"Born on {en_date(child.birth_date)}, before the scheme began.",
                )
            )
            continue
        second = int(v["second_payment_per_baby"])
        total += second
        used.append(v)
        name_ja = "妊婦のための支援給付" if v["statutory"] else "出産・子育て応援給付金"
        per_member.append(
            MemberDecision(
                member=child.id,
                amount=second,
                reason=f"{jdate(child.birth_date)}生まれ。2回目として胎児（生まれた子）1人につき{yen(second)}（{name_ja}）。"
                "胎児の数の届出がまだなら、届け出て申請します。",
                reason_en=f"Born {en_date(child.birth_date)}: second payment of {yen_en(second)} for this baby "
                "(claimed with the notice of the number of fetuses, if not yet filed).",
            )
        )
    v_shown = used[-1] if used else v_now
    return _decision(
        p,
        v_shown,
        eligible=total > 0,
        amount=total,
        summary=f"お母さんに合計{yen(total)}が支給されます。"
        if total
        else "妊娠中でなく、2年以内の出産もないため対象外です。",
        summary_en=f"{yen_en(total)} in total for the mother."
        if total
        else "No pregnancy and no birth in the last 2 years.",
        per_member=per_member,
        details={"mother": mother.id},
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
            eligible=False,
            summary=f"市町村 {code} の子ども医療費助成の設定がないため判定できません。",
            summary_en=f"No configuration of the child medical subsidy for municipality {code}: cannot decide.",
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
    for _, m in ctx.children:
        age = age_on(m.birth_date, ctx.on)
        end = school_year_end(m.birth_date, until)
        if fy - school_cohort(m.birth_date) >= until:
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"{age}歳。{until}歳到達後最初の3月31日（{jdate(end)}）を過ぎたため対象外。",
                    reason_en=f"Age {age}. Past the first 31 March after turning {until} ({en_date(end)}).",
                )
            )
        elif not m.supported:
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"{age}歳。保護者が監護していないため対象外。",
                    reason_en=f"Age {age}. Not in the guardians' care and keep.",
                )
            )
        elif claimant is None or not income_ok:
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"{age}歳。保護者の所得（{yen(income)}）が所得制限（{yen(limit or 0)}）以上のため対象外。",
                    reason_en=f"Age {age}. The guardian's income ({yen_en(income)}) is at or above the limit "
                    f"({yen_en(limit or 0)}).",
                )
            )
        else:
            covered += 1
            fee = int(v["copay_outpatient_per_visit"])
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"{age}歳。{jdate(end)}まで保険診療の自己負担を助成（通院1回{yen(fee)}の負担）。受給者証が交付されます。",
                    reason_en=f"Age {age}. Co-payments covered until {en_date(end)} (fee {yen_en(fee)} per outpatient "
                    "visit); a recipient card is issued.",
                )
            )
    decision = _decision(
        p,
        v,
        eligible=covered > 0,
        summary=f"{scheme.name_ja}: 対象の子 {covered}人。",
        summary_en=f"{scheme.name_en}: {covered} child(ren) covered.",
        per_member=per_member,
        details={
            "municipality_configured": True,
            "covered_children": covered,
            "until_school_year_of_age": until,
            "copay_outpatient_per_visit": int(v["copay_outpatient_per_visit"]),
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
        return _decision(
            p,
            v,
            eligible=False,
            monthly_amount=0,
            summary="ひとり親世帯ではないため対象外です。",
            summary_en="Not a single-parent household.",
        )
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
            why_ja = f"{until}歳到達後最初の3月31日まで" if within else f"障害があり{disabled_under}歳未満"
            why_en = (
                f"until the first 31 March after reaching {until}"
                if within
                else f"disabled and under {disabled_under}"
            )
            per_member.append(
                MemberDecision(
                    member=m.id,
                    counted_as=len(eligible_children),
                    reason=f"{age}歳。{why_ja}のため対象児童（{len(eligible_children)}人目）。",
                    reason_en=f"Age {age}: an eligible child ({why_en}), number {len(eligible_children)}.",
                )
            )
        else:
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"{age}歳。対象児童の年齢を過ぎている、または監護していないため数えません。",
                    reason_en=f"Age {age}: past the age limit or not in the parent's care, so not counted.",
                )
            )
    income = allowance_income(claimant.annual_income)
    deps = len(ctx.dependants(claimant))
    total, level = single_parent_amount(v, len(eligible_children), income, deps)
    full_limit = int(v["full_limit_base"]) + int(v["limit_per_dependant"]) * deps
    partial_limit = int(v["partial_limit_base"]) + int(v["limit_per_dependant"]) * deps
    level_ja = {"full": "全部支給", "partial": "一部支給", "none": "支給停止"}[level]
    per_member.insert(
        0,
        MemberDecision(
            member=claimant.id,
            amount=total,
            reason=f"受給者。所得{yen(income)}（扶養親族等{deps}人。全部支給は{yen(full_limit)}未満、"
            f"一部支給は{yen(partial_limit)}未満）→ {level_ja}、月額{yen(total)}。",
            reason_en=f"Claimant. Income {yen_en(income)} ({deps} dependant(s): full below {yen_en(full_limit)}, "
            f"partial below {yen_en(partial_limit)}) → {level}, {yen_en(total)} a month.",
        ),
    )
    months = [int(x) for x in p.setting("payment_months")]
    return _decision(
        p,
        v,
        eligible=total > 0,
        monthly_amount=total,
        summary=f"{level_ja}: 月額{yen(total)}（対象児童 {len(eligible_children)}人）。",
        summary_en=f"{level}: {yen_en(total)} a month for {len(eligible_children)} child(ren).",
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


# --- 出産手当金 maternity allowance -----------------------------------------------------------------


def maternity_insured(m: Member, dependant_limit: int) -> bool:
    """Insured by employee health insurance in her own right (not as a dependant)."""
    own = m.insured_person if m.insured_person is not None else m.annual_income >= dependant_limit
    return m.insurance == "employee" and own


def _decide_maternity_allowance(ctx: Context) -> BenefitDecision:
    p = ctx.params["maternity_allowance"]
    mother = ctx.mother
    window = int(p.setting("claim_window_days"))
    limit = int(p.setting("dependant_income_limit"))
    if mother is None or not maternity_insured(mother, limit):
        return _decision(
            p,
            p.at(ctx.on),
            eligible=False,
            amount=0,
            summary="母親が勤務先の健康保険の被保険者本人ではないため対象外です（国民健康保険にはありません）。",
            summary_en="The mother is not insured in her own right by employee health insurance (NHI has no maternity allowance).",
            per_member=[]
            if mother is None
            else [
                MemberDecision(
                    member=mother.id,
                    amount=0,
                    reason=f"加入している医療保険は「{_INSURANCE_JA[mother.insurance]}」"
                    + ("（被扶養者）" if mother.insurance == "employee" else "")
                    + "。出産手当金は勤務先の健康保険の被保険者本人だけの給付です。",
                    reason_en=f"Insurance: {mother.insurance}"
                    + (" (as a dependant)" if mother.insurance == "employee" else "")
                    + ". Only women insured in their own right by employee health insurance receive it.",
                )
            ],
        )
    smr = mother.standard_monthly_remuneration
    if smr is not None:
        smr_ja, smr_en = "標準報酬月額", "standard monthly remuneration"
    else:  # no grade known: say what the number is rather than call it a grade
        smr = mother.annual_income // 12
        smr_ja = "標準報酬月額が不明のため年収の12分の1で概算"
        smr_en = "annual income / 12, an estimate in place of the standard monthly remuneration grade,"
    daily = maternity_daily(smr)
    births: dict[date, int] = {}
    for child in ctx.recent_births(window):
        births[child.birth_date] = births.get(child.birth_date, 0) + 1
    events: list[tuple[date, int, bool]] = [(d, n, False) for d, n in sorted(births.items())]
    if mother.expecting_due_date is not None:
        events.append((mother.expecting_due_date, mother.expected_babies, True))
    total = 0
    per_member: list[MemberDecision] = []
    used: Version | None = None
    for when, babies, expected in events:
        v = p.at(when)
        if v is None:
            continue
        used = v
        before = int(v["days_before_multiple"] if babies > 1 else v["days_before"])
        days = before + int(v["days_after"])
        amount = daily * days
        total += amount
        what_ja = f"出産予定日{jdate(when)}" if expected else f"{jdate(when)}の出産"
        what_en = f"due on {en_date(when)}" if expected else f"birth on {en_date(when)}"
        per_member.append(
            MemberDecision(
                member=mother.id,
                amount=amount,
                reason=f"{what_ja}（{babies}児）。産前{before}日・産後{int(v['days_after'])}日の計{days}日 × "
                f"日額{yen(daily)}（{smr_ja}{yen(smr)} ÷ 30 × 2/3）= {yen(amount)}（休業し給与がない場合）。",
                reason_en=f"{what_en} ({babies} baby(ies)): {before} days before and {int(v['days_after'])} after = "
                f"{days} days × {yen_en(daily)} a day ({smr_en} {yen_en(smr)} / 30 × 2/3) = {yen_en(amount)}, "
                "if she is off work without pay.",
            )
        )
    return _decision(
        p,
        used or p.at(ctx.on),
        eligible=total > 0,
        amount=total,
        summary=f"日額{yen(daily)}、合計{yen(total)}。"
        if total
        else "2年以内の出産も出産予定もないため対象外です。",
        summary_en=f"{yen_en(daily)} a day, {yen_en(total)} in total."
        if total
        else "No birth in the last 2 years and no pregnancy.",
        per_member=per_member,
        details={"mother": mother.id, "daily_amount": daily, "standard_monthly_remuneration": smr},
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


# --- 未熟児養育医療 premature-infant care ------------------------------------------------------------


def _decide_premature_infant_care(ctx: Context) -> BenefitDecision:
    p = ctx.params["premature_infant_care"]
    v = p.at(ctx.on)
    if v is None:
        return not_in_force(p, ctx.on)
    limit = int(v["max_birth_weight_g"])
    per_member: list[MemberDecision] = []
    covered = 0
    for _, m in ctx.children:
        if ctx.on >= anniversary(m.birth_date, int(v["under_age"])):
            continue
        light = m.birth_weight_g is not None and m.birth_weight_g <= limit
        if light or m.weak_vitality:
            covered += 1
            why_ja = f"出生体重 {m.birth_weight_g}g（{limit}g以下）" if light else "生活力が特に薄弱"
            why_en = f"birth weight {m.birth_weight_g} g (≤ {limit} g)" if light else "weak vitality"
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"1歳未満で{why_ja}のため、医師が入院養育を必要と認めれば養育医療の対象です。",
                    reason_en=f"Under 1 with {why_en}: covered if a doctor finds hospital care necessary.",
                )
            )
        else:
            per_member.append(
                MemberDecision(
                    member=m.id,
                    reason=f"出生体重 {m.birth_weight_g or '不明'}g。{limit}g以下ではないため対象外。",
                    reason_en=f"Birth weight {m.birth_weight_g or 'unknown'} g, above {limit} g.",
                )
            )
    return _decision(
        p,
        v,
        eligible=covered > 0,
        summary=f"対象の子 {covered}人。" if covered else "対象となる1歳未満の子はいません。",
        summary_en=f"{covered} infant(s) covered." if covered else "No infant under 1 qualifies.",
        per_member=per_member,
        details={"covered_children": covered},
    )


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
