# ruff: noqa: E501  (bilingual reason texts read better unbroken)
"""Benefits of the birth itself: 出産育児一時金, 妊婦のための支援給付, 出産手当金, 未熟児養育医療."""

from __future__ import annotations

from datetime import date, timedelta

from tenohira.rules.context import Context, not_in_force
from tenohira.rules.context import decision as _decision
from tenohira.rules.dates import (
    anniversary,
)
from tenohira.rules.household import Member
from tenohira.rules.income import (
    maternity_daily,
)
from tenohira.rules.params import BenefitParameters, Version
from tenohira.rules.prose import INSURANCE_JA as _INSURANCE_JA
from tenohira.rules.prose import en_date, jdate, yen, yen_en
from tenohira.rules.schemas import BenefitDecision, MemberDecision

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
