"""Benefits of the birth itself: 出産育児一時金, 妊婦のための支援給付, 出産手当金, 未熟児養育医療."""

from __future__ import annotations

from datetime import date, timedelta

from tenohira.rules.context import Context, member, not_in_force
from tenohira.rules.context import decision as _decision
from tenohira.rules.dates import (
    anniversary,
)
from tenohira.rules.household import Member
from tenohira.rules.income import (
    maternity_daily,
)
from tenohira.rules.params import BenefitParameters, Version
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import INSURANCE, NOTHING, Yen, say

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
            say("lump_no_insured"),
            eligible=False,
            amount=0,
            per_member=[] if mother is None else [member(mother.id, say("lump_mother_uninsured"), amount=0)],
        )
    via = say("lump_via_own") if insured is mother else say("lump_via_dependant")
    total = 0
    per_member: list[MemberDecision] = []
    used: list[Version] = []
    for child in ctx.recent_births(window):
        amount, v = _lump_sum_for(p, child.birth_date, child.obstetric_compensation_scheme)
        if v is None:
            continue
        used.append(v)
        total += amount
        scheme = say("lump_in_scheme") if child.obstetric_compensation_scheme else say("lump_outside_scheme")
        text = say(
            "lump_child",
            born=child.birth_date,
            scheme=scheme,
            amount=Yen(amount),
            since=v.effective_from,
            via=via,
        )
        per_member.append(member(child.id, text, amount=amount))
    if mother.expecting_due_date is not None:
        amount, v = _lump_sum_for(p, mother.expecting_due_date, True)
        if v is not None:
            amount *= mother.expected_babies
            used.append(v)
            total += amount
            text = say(
                "lump_due", due=mother.expecting_due_date, n=mother.expected_babies, amount=Yen(amount)
            )
            per_member.append(member(mother.id, text, amount=amount))
    v_shown = used[-1] if used else v_now
    return _decision(
        p,
        v_shown,
        say("lump_summary", via=via, total=Yen(total)) if total else say("no_birth_2y"),
        eligible=total > 0,
        amount=total,
        per_member=per_member,
        details={"insured": insured.id, "claim_window_days": window},
    )


# --- 妊婦のための支援給付 pregnancy support benefit -------------------------------------------------


def _decide_pregnancy_support_benefit(ctx: Context) -> BenefitDecision:
    p = ctx.params["pregnancy_support_benefit"]
    mother = ctx.mother
    v_now = p.at(ctx.on)
    if mother is None:
        return _decision(p, v_now, say("ps_no_mother"), eligible=False, amount=0)
    window = int(p.setting("claim_window_days"))
    total = 0
    per_member: list[MemberDecision] = []
    used: list[Version] = []
    if mother.expecting_due_date is not None and v_now is not None:
        first = int(v_now["first_payment"])
        total += first
        used.append(v_now)
        text = say("ps_first", due=mother.expecting_due_date, amount=Yen(first))
        per_member.append(member(mother.id, text, amount=first))
    if mother.expecting_due_date is not None and v_now is not None:
        before = v_now.values.get("second_from_days_before_due")
        if before is not None:
            notice_from = mother.expecting_due_date - timedelta(days=int(before))
            n = mother.expected_babies
            per = Yen(int(v_now["second_payment_per_baby"]))
            if ctx.on >= notice_from:
                second = per * n
                total += second
                text = say("ps_second_now", since=notice_from, n=n, per=per, amount=Yen(second))
                per_member.append(member(mother.id, text, amount=second))
            else:
                text = say("ps_second_later", per=per, since=notice_from)
                per_member.append(member(mother.id, text, amount=0))
    ended = mother.pregnancy_ended_on
    if ended is not None and ended <= ctx.on <= ended + timedelta(days=window):
        v_end = p.at(ended)
        if v_end is not None and v_end.values.get("loss_covered"):
            n = mother.expected_babies
            first, per = Yen(int(v_end["first_payment"])), Yen(int(v_end["second_payment_per_baby"]))
            amount = first + per * n
            total += amount
            used.append(v_end)
            text = say("ps_loss", ended=ended, first=first, n=n, per=per, amount=Yen(amount))
            per_member.append(member(mother.id, text, amount=amount))
        elif v_end is not None:
            per_member.append(member(mother.id, say("ps_loss_old", ended=ended), amount=0))
    for child in ctx.recent_births(window):
        v = p.at(child.birth_date)
        if v is None:
            per_member.append(member(child.id, say("ps_before_scheme", born=child.birth_date), amount=0))
            continue
        second = int(v["second_payment_per_baby"])
        total += second
        used.append(v)
        name = "妊婦のための支援給付" if v["statutory"] else "出産・子育て応援給付金"
        text = say("ps_child", born=child.birth_date, amount=Yen(second), name=name)
        per_member.append(member(child.id, text, amount=second))
    v_shown = used[-1] if used else v_now
    return _decision(
        p,
        v_shown,
        say("ps_summary", total=Yen(total)) if total else say("ps_none"),
        eligible=total > 0,
        amount=total,
        per_member=per_member,
        details={"mother": mother.id},
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
        dependant = say("ma_dependant") if mother is not None and mother.insurance == "employee" else NOTHING
        return _decision(
            p,
            p.at(ctx.on),
            say("ma_not_insured"),
            eligible=False,
            amount=0,
            per_member=[]
            if mother is None
            else [
                member(
                    mother.id,
                    say("ma_insurance", insurance=INSURANCE[mother.insurance], dependant=dependant),
                    amount=0,
                )
            ],
        )
    smr = mother.standard_monthly_remuneration
    if smr is not None:
        label = say("ma_grade")
    else:  # no grade known: say what the number is rather than call it a grade
        smr = mother.annual_income // 12
        label = say("ma_estimate")
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
        after = int(v["days_after"])
        days = before + after
        amount = daily * days
        total += amount
        what = say("ma_due", d=when) if expected else say("ma_birth", d=when)
        text = say(
            "ma_member",
            what=what,
            babies=babies,
            before=before,
            after=after,
            days=days,
            daily=Yen(daily),
            label=label,
            smr=Yen(smr),
            amount=Yen(amount),
        )
        per_member.append(member(mother.id, text, amount=amount))
    return _decision(
        p,
        used or p.at(ctx.on),
        say("ma_summary", daily=Yen(daily), total=Yen(total)) if total else say("no_birth_2y"),
        eligible=total > 0,
        amount=total,
        per_member=per_member,
        details={"mother": mother.id, "daily_amount": daily, "standard_monthly_remuneration": smr},
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
            weight = f"{m.birth_weight_g:,}" if m.birth_weight_g else ""
            why = say("pic_light", weight=weight, limit=f"{limit:,}") if light else say("pic_weak")
            per_member.append(member(m.id, say("pic_covered", why=why)))
        elif m.birth_weight_g is None:
            per_member.append(member(m.id, say("pic_unknown", limit=f"{limit:,}")))
        else:
            per_member.append(
                member(m.id, say("pic_not", weight=f"{m.birth_weight_g:,}", limit=f"{limit:,}"))
            )
    return _decision(
        p,
        v,
        say("pic_summary", n=covered) if covered else say("pic_none"),
        eligible=covered > 0,
        per_member=per_member,
        details={"covered_children": covered},
    )
