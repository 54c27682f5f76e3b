"""Staff review at the municipality: the applications the rules leave to a person.

Three hub services, all for purpose ``staff-review``:

- ``municipality.review-queue`` (no subject): the queued applications, earliest review
  deadline first, with what the intake found (its reasons) — references only, no names.
  The caller sees its own filing reference (``client_reference``) only for filings it made.
- ``municipality.review-case`` (subject): one queued application of that person, with the
  filed document and what the rules find for the household today. Because it names the
  subject, the hub records it in the person's access history.
- ``municipality.review-decision`` (subject): approve or reject with a reason (ja, en);
  stored with the application and logged. The caller tells the resident (the palm notifies).

Anything not queued, not the subject's, or unknown answers the same 404.
"""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import LazyHubProvider, member_session
from tenohira.agencies.municipality import repository, service
from tenohira.agencies.municipality.intake import household_for_rules
from tenohira.agencies.municipality.intake_models import ReceivedApplication
from tenohira.audit import append_event
from tenohira.core.clock import JST, today_jst
from tenohira.core.config import Settings
from tenohira.core.problems import FieldError, Problem
from tenohira.hub import HubRequest
from tenohira.rules import explain

# 標準処理期間 (行政手続法 第6条, confirmed in issue 15): days within which staff should decide. The
# demo city is fictional, so these are its configuration, not facts to confirm: 30 days by default
# (a figure municipalities commonly publish for benefits — not confirmed for any real city), 14 for
# premature-infant care, which is needed while the baby is in hospital.
STANDARD_DAYS: dict[str, int] = {"premature_infant_care": 14}
DEFAULT_STANDARD_DAYS = 30
DECISIONS = ("approved", "rejected")
MAX_REASON = 1000


def _not_found() -> Problem:
    # one answer for unknown, someone else's and already decided: nothing about existence
    return Problem(status=404, slug="not-found", title="Not found", title_ja="見つかりません")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def review_deadline(row: ReceivedApplication) -> date:
    """The day by which staff should decide (received day + the standard processing period)."""
    days = STANDARD_DAYS.get(row.procedure, DEFAULT_STANDARD_DAYS)
    return _aware(row.received_at).astimezone(JST).date() + timedelta(days=days)


def _item(row: ReceivedApplication, caller: str) -> dict[str, Any]:
    answer = row.answer or {}
    return {
        "reference": row.id,
        "procedure": row.procedure,
        "received_at": _aware(row.received_at).isoformat(),
        "deadline": review_deadline(row).isoformat(),
        "reasons": answer.get("reasons", []),
        "legal_basis": answer.get("legal_basis", []),
        "client_reference": row.client_reference if row.client_member == caller else None,
    }


async def queue(session: AsyncSession, caller: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The queued applications, earliest review deadline first (ties: earliest received)."""
    rows = list(
        await session.scalars(
            sa.select(ReceivedApplication)
            .where(ReceivedApplication.status == "queued")
            .order_by(ReceivedApplication.received_at, ReceivedApplication.id)
            .limit(limit)
        )
    )
    rows.sort(key=lambda r: (review_deadline(r), _aware(r.received_at), r.id))
    return [_item(r, caller) for r in rows]


async def _queued_of(session: AsyncSession, resident_id: str, reference: str) -> ReceivedApplication:
    row = await session.get(ReceivedApplication, reference)
    if row is None or row.resident_id != resident_id or row.status != "queued":
        raise _not_found()
    return row


async def case(
    session: AsyncSession, settings: Settings, subject_code: str | None, reference: str, caller: str
) -> dict[str, Any]:
    """One queued application of the subject: the document and what the rules find for the household."""
    resident = await service.resident_for_code(session, settings, subject_code)
    row = await _queued_of(session, resident.id, reference)
    try:
        document = json.loads(row.document)
    except ValueError:
        document = None
    members = await repository.household_members(
        session, resident.household_id, city=settings.municipality_name_ja
    )
    today = today_jst()
    explanation = explain(household_for_rules(settings, members), today)
    return {
        **_item(row, caller),
        "document": document.get("fields", document) if isinstance(document, dict) else None,
        "explanation": explanation.model_dump(mode="json"),
    }


def _reason_errors(decision: str, reason_ja: str) -> list[FieldError]:
    errors = []
    if decision not in DECISIONS:
        errors.append(FieldError("decision", "approved or rejected", "承認または却下を選んでください"))
    if not reason_ja.strip():
        errors.append(FieldError("reason_ja", "a reason is required", "理由を書いてください"))
    elif len(reason_ja) > MAX_REASON:
        errors.append(FieldError("reason_ja", "the reason is too long", "理由が長すぎます"))
    return errors


async def decide(
    session: AsyncSession,
    settings: Settings,
    subject_code: str | None,
    body: Any,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Approve or reject a queued application of the subject with a reason; returns the new answer."""
    body = body if isinstance(body, dict) else {}
    reference = str(body.get("reference") or "")
    decision = str(body.get("decision") or "")
    reason_ja = str(body.get("reason_ja") or "")
    reason_en = str(body.get("reason_en") or "")[:MAX_REASON]
    staff = str(body.get("staff") or "")[:64]
    errors = _reason_errors(decision, reason_ja)
    if errors:
        raise Problem(
            status=422,
            slug="invalid-decision",
            title="The decision is incomplete",
            title_ja="決定の内容が不足しています",
            errors=errors,
        )
    resident = await service.resident_for_code(session, settings, subject_code)
    row = await _queued_of(session, resident.id, reference)
    now = now or datetime.now(UTC)
    answer = dict(row.answer or {})
    answer.update(
        {
            "status": decision,
            "reasons": [{"ja": reason_ja, "en": reason_en or reason_ja}],
            "decided_by": "staff",
            "decided_at": now.isoformat(),
        }
    )
    row.answer = answer
    row.status = decision
    row.decided_at = now
    await session.flush()
    await append_event(
        session,
        type="application:decided",
        actor=f"municipality:staff:{staff}" if staff else "municipality:staff",
        subject=row.id,
        attributes={"procedure": row.procedure, "outcome": decision, "by": "staff"},
    )
    return answer


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The review services of the municipality app (mounted next to the intake)."""
    router = APIRouter(prefix="/services/review", tags=["municipality"])
    Hub = Annotated[HubRequest, Depends(gate.request)]

    Session = Annotated[AsyncSession, Depends(member_session(settings))]

    @router.get("/queue")
    async def review_queue(hub: Hub, db: Session) -> dict[str, Any]:
        """The applications waiting for a person, earliest deadline first."""
        return {"items": await queue(db, hub.client_member)}

    @router.post("/case")
    async def review_case(hub: Hub, db: Session) -> dict[str, Any]:
        """One queued application of the subject, with the rules' explanation."""
        body = hub.json()
        reference = str(body.get("reference") or "") if isinstance(body, dict) else ""
        return await case(db, settings, hub.subject_code, reference, hub.client_member)

    @router.post("/decision")
    async def review_decision(hub: Hub, db: Session) -> dict[str, Any]:
        """Decide a queued application of the subject (approved | rejected) with a reason."""
        return await decide(db, settings, hub.subject_code, hub.json())

    return router
