"""What the municipality decides, in one place: the intake's procedures and the rules' benefits.

The registration of this member system (see docs/architecture.md, "Adding a member system"):
the intake handles exactly these procedures, and the statistics count claims by the same
table. The catalogue (``tenohira.procedures``) says the same from the other side; agencies do
not read it (they are deployable without the palm's data), so a test keeps the two in step.
"""

from __future__ import annotations

# procedure id -> benefit decided by the rules (the catalogue's decision.benefit)
RULES_BENEFITS: dict[str, str] = {
    "child_allowance_claim": "child_allowance",  # 児童手当
    "child_medical_subsidy": "child_medical_subsidy",  # 子ども医療費助成
    "pregnancy_support_second": "pregnancy_support_benefit",  # 妊婦のための支援給付（2回目）
    "single_parent_allowance": "single_parent_allowance",  # 児童扶養手当
}
ACCEPTANCE = frozenset({"birth_notification", "nhi_enrolment"})  # decided by acceptance (受理)
STAFF = frozenset({"premature_infant_care"})  # 未熟児養育医療: medical opinion read by staff
HANDLED = frozenset(RULES_BENEFITS) | ACCEPTANCE | STAFF
