"""Push: after a life event, work out which procedures now apply to the household, and say so.

For ``birth.registered`` (delivered by the hub, stored by :mod:`intake`, published locally),
the palm asks through the hub — by its own code for the person, purpose ``eligibility-check`` —
for the household (composition, insurance, income: municipality), the resident-tax status
(municipality) and the insurance type (insurer), builds the rules' :class:`Household`, runs
:func:`tenohira.rules.explain` and matches the catalogue's procedures for the life event:

- decided by rules: a notice only when the benefit is eligible, with its amount and the rules'
  own explanation (ja/en) and legal basis;
- notifications and staff-reviewed procedures: a notice when the household's facts make it
  apply (NHI enrolment only under NHI, the employer's dependant notice only under employees'
  insurance, premature-infant care only when the rules say so);
- "notice" procedures (check-ups, visits: nothing to file): an information notice.

The notice that produced the event (the birth notification itself) is not repeated. Each
notice is unique per (event, procedure); with the events module's processed record in the same
transaction a redelivered event creates nothing twice. The person is told once per event:
inbox always, email if the palm has an address — only "you have N new notices".
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.clock import JST, today_jst
from tenohira.core.config import Settings, get_settings
from tenohira.core.crashpoints import crash_point
from tenohira.hub import HubClient, HubResponseError
from tenohira.notify import add_template_dir, send
from tenohira.palm.people import ensure_person, palm_client, recipient_for
from tenohira.palm.push.models import Notice
from tenohira.palm.situation import FILED_STATES, Situation, situation_from
from tenohira.palm.situation import Proposal as Proposal  # re-exported: the push's callers
from tenohira.palm.situation import propose as propose
from tenohira.rules import Household, Member

log = structlog.get_logger("tenohira.palm.push")

PURPOSE = "eligibility-check"
TEMPLATE = "push_notices"
add_template_dir(Path(__file__).parent / "templates")

# life event of a hub topic, and the procedure the event itself completed (not noticed again)
LIFE_EVENTS = {"birth.registered": ("birth", "birth_notification")}

_PARENT_RELATIONS = {"head", "spouse"}

NEW, DISMISSED, FILED = "new", "dismissed", "filed"


class FactsUnavailable(Exception):
    """The household could not be fetched through the hub (the event is retried later)."""


@dataclass
class HouseholdFacts:
    """What the agencies answered (through the hub), and the exchanges that carried it."""

    household: dict[str, Any]
    tax: dict[str, Any] | None
    insurance: dict[str, Any] | None
    exchanges: list[str] = field(default_factory=list)


async def _ask(client: HubClient, service: str, code: str, out: list[str]) -> dict[str, Any] | None:
    answer = await client.call(service, subject_code=code, purpose=PURPOSE, method="GET")
    if answer.exchange_id:
        out.append(answer.exchange_id)
    if not answer.ok:
        log.info("push: source refused", service=service, status=answer.status)
        return None
    data = answer.json()
    return data if isinstance(data, dict) else None


# one exchange for household + tax status, when the hub lists it among the palm's services
COMBINED = "municipality.eligibility-facts"
SERVICES_TTL = 60.0  # seconds a listing of the palm's services is trusted
_listings: dict[int, tuple[float, bool]] = {}


async def combined_available(client: HubClient) -> bool:
    """Whether the palm may ask :data:`COMBINED` for this purpose (the hub's listing, cached briefly)."""
    now = time.monotonic()
    cached = _listings.get(id(client))
    if cached is not None and now - cached[0] < SERVICES_TTL:
        return cached[1]
    try:
        services = await client.services()
    except Exception as exc:  # the listing is an optimisation: without it, ask separately
        log.info("push: services listing unavailable", error=str(exc))
        return False
    ok = any(
        s.get("id") == COMBINED and any(p.get("purpose") == PURPOSE for p in s.get("purposes", []))
        for s in services
    )
    _listings[id(client)] = (now, ok)
    return ok


async def fetch_facts(client: HubClient, code: str) -> HouseholdFacts:
    """The municipality's and the insurer's answers, asked concurrently.

    Two exchanges (``municipality.eligibility-facts`` + ``insurer.insurance-type``) when the
    combined service is there, three otherwise. No database write may be pending: SQLite is shared.
    """
    exchanges: list[str] = []
    try:
        if await combined_available(client):
            both, insurance = await asyncio.gather(
                _ask(client, COMBINED, code, exchanges),
                _ask(client, "insurer.insurance-type", code, exchanges),
            )
            household = (both or {}).get("household")
            tax = (both or {}).get("resident_tax_status")
        else:
            household, tax, insurance = await asyncio.gather(
                _ask(client, "municipality.household", code, exchanges),
                _ask(client, "municipality.resident-tax-status", code, exchanges),
                _ask(client, "insurer.insurance-type", code, exchanges),
            )
    except (HubResponseError, OSError) as exc:
        raise FactsUnavailable(str(exc)) from exc
    if not isinstance(household, dict):
        raise FactsUnavailable("the municipality did not answer with the household")
    return HouseholdFacts(household, tax if isinstance(tax, dict) else None, insurance, exchanges)


def build_household(facts: HouseholdFacts, municipality: str) -> Household:
    """The rules' household from the municipality's answer; the insurer's answer wins for the subject."""
    members: list[Member] = []
    insurer_says = (facts.insurance or {}).get("insurance")
    for i, m in enumerate(facts.household.get("members", []), start=1):
        relation = str(m.get("relation", "other"))
        role = "parent" if relation in _PARENT_RELATIONS else "child" if relation == "child" else "other"
        insurance = m.get("insurance") if m.get("insurance") in ("employee", "nhi") else "nhi"
        if m.get("is_subject") and insurer_says in ("employee", "nhi"):
            insurance = insurer_says
        members.append(
            Member(
                id=f"m{i}",  # members are described, never named
                role=role,
                birth_date=date.fromisoformat(str(m["birth_date"])),
                sex=m.get("sex") if m.get("sex") in ("male", "female") else None,
                insurance=insurance,
                employment_insured=bool(m.get("employment_insured")),
                annual_income=max(0, int(m.get("annual_income") or 0)),
                expecting_due_date=(
                    date.fromisoformat(str(m["expecting_due_date"])) if m.get("expecting_due_date") else None
                ),
            )
        )
    parents = [m for m in members if m.role == "parent"]
    children = [m for m in members if m.role == "child"]
    return Household(
        municipality=municipality,
        single_parent=len(parents) == 1 and bool(children),
        members=members,
    )


def event_situation(
    facts: HouseholdFacts, topic: str, payload: dict[str, Any], today: date, municipality: str
) -> Situation:
    """The situation a delivered event's notices say (pure): the registry's event carries the
    registered date; the procedure the registration completed is left out."""
    life_event, _ = LIFE_EVENTS[topic]
    event_date = date.fromisoformat(str(payload.get("birth_date") or today.isoformat()))
    household = build_household(facts, str(payload.get("municipality") or municipality))
    return situation_from(household, life_event, event_date, today, leave_out_completed=True)


async def notices_for_event(
    session: AsyncSession,
    *,
    event_id: str,
    topic: str,
    code: str,
    payload: dict[str, Any],
    settings: Settings | None = None,
    client: HubClient | None = None,
) -> list[Notice]:
    """Compute and store the notices of one delivered event, and tell the person (one transaction).

    Hub calls come first; every write after them, in ``session`` (the caller commits).
    """
    settings = settings or get_settings()
    life_event, _ = LIFE_EVENTS[topic]
    facts = await fetch_facts(client or palm_client(settings), code)
    situation = event_situation(facts, topic, payload, today_jst(), settings.municipality_code)
    on, proposals, event_date = situation.decided_on, situation.proposals, situation.event_date
    existing = set(
        (await session.scalars(sa.select(Notice.procedure_id).where(Notice.event_id == event_id))).all()
    )
    already_filed = await _filed_since(session, code, [p.procedure.id for p in proposals], event_date)
    now = datetime.now(UTC)
    common_facts = {
        "event_date": event_date.isoformat(),
        "decided_on": on.isoformat(),
        "resident_tax_status": (facts.tax or {}).get("status"),
        "insurance": (facts.insurance or {}).get("insurance"),
        "hub_exchanges": facts.exchanges,
    }
    created: list[Notice] = []
    for proposal in proposals:
        if proposal.procedure.id in existing:
            continue
        notice = Notice(
            id=uuid.uuid4().hex,
            owner_code=code,
            event_id=event_id,
            life_event=life_event,
            procedure_id=proposal.procedure.id,
            kind=proposal.kind,
            deadline=proposal.deadline,
            amount=proposal.amount,
            amount_period=proposal.amount_period,
            explanation_ja=proposal.explanation_ja,
            explanation_en=proposal.explanation_en,
            legal_basis=proposal.legal_basis,
            facts=common_facts,
            status=NEW,
            created_at=now,
        )
        filed = already_filed.get(proposal.procedure.id) if proposal.kind == "procedure" else None
        if filed is not None:  # filed by the resident before this event was worked out
            notice.status, notice.application_id, notice.filed_at = FILED, filed[0], filed[1]
        session.add(notice)
        created.append(notice)
    person = await ensure_person(session, code, now)
    crash_point("palm.push.after_notices")
    actionable = sum(1 for n in created if n.kind == "procedure" and n.status == NEW)
    if any(n.status == NEW for n in created):
        await send(
            session,
            recipient=recipient_for(code),
            template=TEMPLATE,
            language=person.language if person.language in ("ja", "en") else "ja",
            params={"count": actionable, "information": sum(1 for n in created if n.kind != "procedure")},
            email=person.email,
        )
    crash_point("palm.push.after_notify")
    log.info("push notices", event_id=event_id, notices=len(created), email=person.email is not None)
    return created


async def _filed_since(
    session: AsyncSession, code: str, procedure_ids: list[str], since: date
) -> dict[str, tuple[str, datetime]]:
    """Procedures the person already filed through the palm on or after ``since`` (JST day)."""
    if not procedure_ids:
        return {}
    from tenohira.palm.models import Application

    start = datetime.combine(since, datetime.min.time(), JST).astimezone(UTC)
    rows = await session.execute(
        sa.select(Application.procedure_id, Application.id, Application.submitted_at)
        .where(
            Application.owner_code == code,
            Application.procedure_id.in_(procedure_ids),
            Application.state.in_(FILED_STATES),
            Application.submitted_at >= start,
        )
        .order_by(Application.submitted_at)
    )
    out: dict[str, tuple[str, datetime]] = {}
    for procedure_id, application_id, submitted_at in rows:
        if submitted_at is not None:
            out.setdefault(procedure_id, (application_id, submitted_at))
    return out


async def close_for_filing(
    session: AsyncSession, *, owner_code: str, procedure_id: str, application_id: str
) -> list[Notice]:
    """The procedure was filed (alone or in a "do them for me" set): close its open notices.

    Called in the filing's own transaction, so the notice is closed if and only if the filing is
    recorded. Information notices (nothing to file) and dismissed ones are left as they are.
    """
    notices = (
        await session.scalars(
            sa.select(Notice).where(
                Notice.owner_code == owner_code,
                Notice.procedure_id == procedure_id,
                Notice.kind == "procedure",
                Notice.status == NEW,
            )
        )
    ).all()
    now = datetime.now(UTC)
    for notice in notices:
        notice.status, notice.application_id, notice.filed_at = FILED, application_id, now
    if notices:
        log.info("notices closed by filing", procedure=procedure_id, notices=len(notices))
    return list(notices)


# --- reading -------------------------------------------------------------------------------


def urgency_key(n: Notice) -> tuple[int, int, date, str]:
    """Most urgent first: open procedures by deadline, then those without one, then information."""
    return (
        0 if n.status == NEW else 1,
        0 if n.kind == "procedure" else 1,
        n.deadline or date.max,
        n.procedure_id,
    )


async def notices_of(session: AsyncSession, code: str, *, include_dismissed: bool = False) -> list[Notice]:
    """The person's open notices, most urgent first (``include_dismissed``: also dismissed and filed)."""
    query = sa.select(Notice).where(Notice.owner_code == code)
    if not include_dismissed:
        query = query.where(Notice.status == NEW)
    return sorted((await session.scalars(query)).all(), key=urgency_key)


async def notice_of(session: AsyncSession, code: str, notice_id: str) -> Notice | None:
    """One of the person's notices (None if it is someone else's: the same answer as unknown)."""
    notice = await session.get(Notice, notice_id)
    return notice if notice is not None and notice.owner_code == code else None


async def dismiss(session: AsyncSession, notice: Notice) -> Notice:
    """Hide a notice from the list (it stays in the record)."""
    if notice.status == NEW:
        notice.status = DISMISSED
        notice.dismissed_at = datetime.now(UTC)
    return notice
