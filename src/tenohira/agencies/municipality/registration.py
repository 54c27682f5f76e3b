"""What the municipality decides, in one place: the intake's procedures and the rules' benefits.

The registration of this member system (see docs/architecture.md, "Adding a member system"):
the intake handles exactly these procedures, and the statistics count claims by the same
tables. The catalogue (``tenohira.procedures``) says the same from the other side; agencies do
not read it (they are deployable without the palm's data), so a test keeps the two in step.
"""

from __future__ import annotations

# procedure id -> benefit decided by the rules (the catalogue's decision.benefit)
RULES_BENEFITS: dict[str, str] = {
    "child_allowance_claim": "child_allowance",  # 児童手当
    "child_allowance_revision": "child_allowance_revision",  # 児童手当（額改定）
    "child_medical_subsidy": "child_medical_subsidy",  # 子ども医療費助成
    "pregnancy_support_second": "pregnancy_support_benefit",  # 妊婦のための支援給付（2回目）
    "single_parent_allowance": "single_parent_allowance",  # 児童扶養手当
}
# Catalogued as decided here by the rules, not yet taken in by this intake (the palm hands them
# over to staff); the statistics count their claims with the others.
CATALOGUED_NOT_YET_TAKEN_IN: dict[str, str] = {
    "child_allowance_move": "child_allowance",  # 児童手当（転入）
    "low_birth_weight_notification": "low_birth_weight_notification",  # 低体重児の届出
    "nhi_maternity_premium_exemption": "nhi_maternity_premium_exemption",  # 国保 産前産後保険料免除
}
# every procedure → benefit the rules decide for the municipality (what the statistics report on)
RULES_DECIDED: dict[str, str] = RULES_BENEFITS | CATALOGUED_NOT_YET_TAKEN_IN
# decided by acceptance (受理); move_out: the old city's 転出届 (its facts go to the new city)
ACCEPTANCE = frozenset({"birth_notification", "nhi_enrolment", "move_out"})
STAFF = frozenset({"premature_infant_care"})  # 未熟児養育医療: medical opinion read by staff
HANDLED = frozenset(RULES_BENEFITS) | ACCEPTANCE | STAFF
