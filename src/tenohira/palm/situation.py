"""A resident's situation after a life event: one source of truth for notices, the assistant and pages.

Everything a resident is told about what applies to them — which procedures, by when, for how
much — is computed here, once, from the same facts and by the same call to the rules:

- **facts**: the agencies' records through the hub (the municipality's household and resident
  register, the insurer's insurance type) win over what the resident typed. In particular the
  date of the event is the register's (a child in the household born near the date the resident
  gave) or, before registration, the hospital's birth certificate as filed with the birth
  notification; only without either is the typed date used (and the answer says so).
- **rules**: one :func:`tenohira.rules.explain` on :func:`decided_on` (the later of the event and
  today), one :func:`propose` over the catalogue's procedures for the event. Amounts are the
  household's (what the agency will pay this household), never a per-member share.
- **filed**: procedures the resident already filed through the palm are not offered again.

The push (:mod:`tenohira.palm.push.service`) and the assistant (through
:func:`tenohira.palm.interfaces.situation_of`) both read this; ``tests/palm/test_situation_agrees.py``
proves they agree on every deadline and amount for many households and dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.procedures import Procedure, deadline_for, load_catalogue
from tenohira.rules import Explanation, Household, Member, explain

# application states in which the procedure has been filed (the agency has it)
FILED_STATES = ("submitted", "queued", "decided", "notified")
# a registered child born this close to the date the resident gave is the same birth
SAME_BIRTH_DAYS = 31
# procedures that only concern households with this health insurance
INSURANCE_ONLY = {"nhi_enrolment": "nhi", "employee_insurance_dependant": "employee"}
# a claim not made when the rules find another one eligible: they exclude each other. 児童手当: a
# household already receiving for an older child claims the revision (額改定認定請求, 第9条), one not
# receiving makes the first claim (認定請求, 第7条); the rule child_allowance_revision decides which.
EXCLUDED_BY = {"child_allowance_claim": "child_allowance_revision"}
# the procedure a life event's own registration completed (not proposed again by the push)
COMPLETED_BY_EVENT = {"birth": "birth_notification"}

REGISTRY, HOSPITAL, TYPED = "registry", "hospital", "typed"


@dataclass(frozen=True)
class Proposal:
    """One procedure that applies: its deadline, the household's amount and the rules' explanation."""

    procedure: Procedure
    kind: str  # "procedure" (something to file) | "information" (nothing to file)
    deadline: date | None
    amount: int | None
    amount_period: str | None  # "monthly" | "once" | None
    explanation_ja: str
    explanation_en: str
    legal_basis: list[dict[str, Any]]


@dataclass(frozen=True)
class Situation:
    """What applies to a household after a life event, as every front door must tell it."""

    life_event: str
    event_date: date
    event_date_source: str  # REGISTRY | HOSPITAL | TYPED
    decided_on: date
    household: Household
    explanation: Explanation
    proposals: list[Proposal]
    filed: dict[str, str] = field(default_factory=dict)  # procedure -> application id

    def proposal(self, procedure_id: str) -> Proposal | None:
        """The proposal for ``procedure_id`` (None if it does not apply or is filed)."""
        return next((p for p in self.proposals if p.procedure.id == procedure_id), None)

    def open(self) -> list[Proposal]:
        """Proposals not filed yet."""
        return [p for p in self.proposals if p.procedure.id not in self.filed]


def decided_on(event_date: date, today: date) -> date:
    """The date the rules decide on: the later of the event and today (a future event is decided
    as of its day; a past one as of today, when the claim is made)."""
    return max(event_date, today)


def _procedure_basis(p: Procedure) -> list[dict[str, Any]]:
    return [b.model_dump(mode="json") for b in p.legal_basis]


def _amount_for(p: Procedure, benefit_amount: int | None) -> int | None:
    # A claim for the remainder of a benefit (出産育児一時金の差額) shares the benefit's rule but is
    # not paid the benefit's amount: showing it would list the same money twice.
    if p.decision.benefit is not None and p.id == f"{p.decision.benefit}_remainder":
        return None
    # 0 is "not known yet" (earnings the agency has not been given), never a promise of nothing
    return benefit_amount or None


def _excluded(p: Procedure, explanation: Explanation) -> bool:
    other = EXCLUDED_BY.get(p.id)
    if other is None:
        return False
    try:
        return explanation.benefit(other).eligible
    except KeyError:
        return False


def propose(
    explanation: Explanation, household: Household, event_date: date, life_event: str, done: str | None
) -> list[Proposal]:
    """Which of the life event's procedures apply to this household (pure: tested without a hub).

    ``done``: the procedure the event itself completed (left out), or None to keep every one.
    """
    parents = [m for m in household.members if m.role == "parent"]
    under = {m.insurance for m in parents}
    out: list[Proposal] = []
    for p in load_catalogue().for_event(life_event):
        if p.id == done:
            continue
        deadline = deadline_for(p, event_date)
        method = p.decision.method
        if method == "rules":
            try:
                b = explanation.benefit(str(p.decision.benefit))
            except KeyError:
                continue
            if not b.eligible or _excluded(p, explanation):
                continue
            # a claim that changes a monthly benefit (a revision) shows what the household is then paid
            raw = (
                b.details.get("household_monthly_amount") or b.monthly_amount
                if b.kind == "monthly"
                else b.amount
            )
            amount = _amount_for(p, raw)
            period = ("monthly" if b.kind == "monthly" else "once") if amount is not None else None
            out.append(
                Proposal(
                    p,
                    "procedure",
                    deadline,
                    amount,
                    period,
                    b.summary,
                    b.summary_en,
                    [x.model_dump(mode="json") for x in b.legal_basis] or _procedure_basis(p),
                )
            )
            continue
        if method == "notice":
            out.append(
                Proposal(
                    p,
                    "information",
                    deadline,
                    None,
                    None,
                    p.deadline.description.ja,
                    p.deadline.description.en,
                    _procedure_basis(p),
                )
            )
            continue
        # acceptance / staff: applies when the household's facts say so
        needed = INSURANCE_ONLY.get(p.id)
        if needed is not None and needed not in under:
            continue
        if p.id == "premature_infant_care":
            try:
                if not explanation.benefit("premature_infant_care").eligible:
                    continue
            except KeyError:
                continue
        ja = f"{p.names.ja}の手続きが必要です。{p.deadline.description.ja}"
        en = f"{p.names.en} is needed. {p.deadline.description.en}"
        out.append(Proposal(p, "procedure", deadline, None, None, ja, en, _procedure_basis(p)))
    return out


def registered_birth(household: Household, near: date | None, today: date) -> date | None:
    """The birth date the register holds for the birth the resident speaks of.

    ``near``: the date the resident gave (None: the newest child born within a year). A child of the
    household born on or before today and within :data:`SAME_BIRTH_DAYS` of it is that birth.
    """
    born = sorted(
        (m.birth_date for m in household.members if m.role == "child" and m.birth_date <= today),
        reverse=True,
    )
    if near is None:
        return next((d for d in born if today - d <= timedelta(days=366)), None)
    close = [d for d in born if abs((d - near).days) <= SAME_BIRTH_DAYS]
    return min(close, key=lambda d: abs((d - near).days)) if close else None


def resolve_event_date(
    household: Household, life_event: str, today: date, *, typed: date | None, certified: date | None
) -> tuple[date, str]:
    """The date of the event and whose record it is: the register's, then the hospital's certificate
    (``certified``), then what the resident typed (``typed``; today if nothing)."""
    if life_event == "birth":
        registered = registered_birth(household, typed or certified, today)
        if registered is not None:
            return registered, REGISTRY
        if certified is not None and (typed is None or abs((certified - typed).days) <= SAME_BIRTH_DAYS):
            return certified, HOSPITAL
    return typed or today, TYPED


def with_newborn(household: Household, birth: date) -> Household:
    """The household with the newborn in it (a birth not registered yet has no member for the child)."""
    if any(m.role == "child" and m.birth_date == birth for m in household.members):
        return household
    members = [
        *household.members,
        Member(id=f"m{len(household.members) + 1}", role="child", birth_date=birth),
    ]
    parents = [m for m in members if m.role == "parent"]
    return household.model_copy(update={"members": members, "single_parent": len(parents) == 1})


def situation_from(
    household: Household,
    life_event: str,
    event_date: date,
    today: date,
    *,
    source: str = REGISTRY,
    filed: dict[str, str] | None = None,
    leave_out_completed: bool = False,
) -> Situation:
    """The situation of ``household`` (pure: the one rules call every front door shares).

    ``leave_out_completed``: the push leaves out the procedure whose registration produced the event.
    """
    if life_event == "birth":
        household = with_newborn(household, event_date)
    on = decided_on(event_date, today)
    explanation = explain(household, on)
    done = COMPLETED_BY_EVENT.get(life_event) if leave_out_completed else None
    proposals = propose(explanation, household, event_date, life_event, done)
    return Situation(life_event, event_date, source, on, household, explanation, proposals, dict(filed or {}))


async def filed_procedures(session: AsyncSession, code: str, since: date | None = None) -> dict[str, str]:
    """Procedures the person filed through the palm (on or after ``since``, JST day): id of the first."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from tenohira.core.clock import JST
    from tenohira.palm.models import Application

    query = sa.select(Application.procedure_id, Application.id, Application.submitted_at).where(
        Application.owner_code == code, Application.state.in_(FILED_STATES)
    )
    if since is not None:
        start = datetime.combine(since, datetime.min.time(), JST).astimezone(UTC)
        query = query.where(Application.submitted_at >= start)
    out: dict[str, str] = {}
    for procedure_id, application_id, _ in await session.execute(query.order_by(Application.submitted_at)):
        out.setdefault(procedure_id, application_id)
    return out


async def certified_birth_date(session: AsyncSession, code: str) -> date | None:
    """The birth date of the hospital's certificate the person presented with their newest birth
    notification (filed or being prepared), or None."""
    import sqlalchemy as sa

    from tenohira.palm.models import Application

    rows = await session.scalars(
        sa.select(Application)
        .where(
            Application.owner_code == code,
            Application.procedure_id == "birth_notification",
            Application.state != "withdrawn",
        )
        .order_by(Application.created_at.desc())
    )
    for app in rows:
        if not str((app.sources or {}).get("birth_date", "")).startswith("hospital"):
            continue
        try:
            return date.fromisoformat(str((app.fields or {}).get("birth_date"))[:10])
        except ValueError:
            continue
    return None


async def situation_of(
    session: AsyncSession,
    code: str,
    life_event: str,
    *,
    today: date,
    typed_date: date | None = None,
    municipality: str | None = None,
) -> Situation:
    """The person's situation from the agencies' records through the hub (raises
    :class:`~tenohira.palm.push.service.FactsUnavailable` if they cannot be read).

    The palm's own records are read first; then the hub is asked (no write may be pending: the
    embedded hub may share the SQLite database).
    """
    from tenohira.core.config import get_settings
    from tenohira.palm.people import palm_client
    from tenohira.palm.push.service import build_household, fetch_facts

    settings = get_settings()
    hospital = await certified_birth_date(session, code) if life_event == "birth" else None
    facts = await fetch_facts(palm_client(settings), code)
    household = build_household(facts, municipality or settings.municipality_code)
    event_date, source = resolve_event_date(
        household, life_event, today, typed=typed_date, certified=hospital
    )
    filed = await filed_procedures(session, code, since=event_date)  # a read: allowed after the hub calls
    return situation_from(household, life_event, event_date, today, source=source, filed=filed)
