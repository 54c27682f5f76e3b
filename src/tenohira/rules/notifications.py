"""Notifications the family owes after a birth, decided like benefits (no money): 低体重児の届出."""

from __future__ import annotations

from tenohira.rules.context import Context, decision, member
from tenohira.rules.schemas import BenefitDecision, MemberDecision
from tenohira.rules.texts import say


def decide_low_birth_weight_notification(ctx: Context) -> BenefitDecision:
    """母子保健法 第18条: a baby under 2,500 g at birth is notified to the municipality promptly."""
    p = ctx.params["low_birth_weight_notification"]
    v = p.at(ctx.on)
    assert v is not None  # in force since 1966
    limit = int(v["under_weight_g"])
    per_member: list[MemberDecision] = []
    covered = 0
    for child in ctx.recent_births(int(p.setting("window_days"))):
        weight = child.birth_weight_g
        if weight is None:
            per_member.append(member(child.id, say("lbw_unknown")))
        elif weight < limit:
            covered += 1
            per_member.append(member(child.id, say("lbw_child", weight=f"{weight:,}")))
        else:
            per_member.append(member(child.id, say("lbw_not", weight=f"{weight:,}")))
    return decision(
        p,
        v,
        say("lbw_summary", n=covered) if covered else say("lbw_none"),
        eligible=covered > 0,
        per_member=per_member,
        details={"covered_children": covered},
    )
