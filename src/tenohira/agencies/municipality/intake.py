"""The municipality's application intake (hub service ``municipality.application-intake``).

(No ``from __future__ import annotations``: FastAPI must see the local dependency aliases.)

The palm files each application as its own document, with the manifest the resident signed
once with the card and that signature. Here, before anything is decided:

1. the document must be canonical, addressed to the municipality, and its SHA-256 listed in
   the manifest (under the same application id and procedure);
2. the signature over the manifest must verify, with a signing certificate that chains to the
   card CA, is valid and not revoked (CA chain + CRL from ``/pki/``: what an agency deployed
   apart would have);
3. the signer must be the person the hub names (the certificate's name and date of birth
   against the registry).

Then the procedure is decided on the municipality's own data: the birth notification by the
registration of :func:`service.register_birth`, benefits by ``tenohira.rules`` over the
household as the registry knows it, a notification by acceptance, and staff procedures are
queued. A retried filing (same client and application id) gets the first answer back.
"""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

import structlog
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import (
    Filing,
    IntakeDesk,
    IntakeIn,
    LazyHubProvider,
    SchemaShelf,
    member_client,
    trust_from,
)
from tenohira.agencies.municipality import move_exchange, repository, service
from tenohira.agencies.municipality.intake_models import ReceivedApplication
from tenohira.agencies.municipality.registration import HANDLED, RULES_BENEFITS
from tenohira.agencies.municipality.relay import announce_birth
from tenohira.agencies.municipality.repository import ResidentRecord
from tenohira.core.config import Settings
from tenohira.core.problems import FieldError, Problem
from tenohira.hub import HubRequest
from tenohira.identity import TrustStore
from tenohira.rules import Explanation, Household, Member, explain

MEMBER_ID = "municipality"
log = structlog.get_logger("tenohira.municipality.intake")


TrustLoader = Callable[[], Awaitable[TrustStore]]


# --- deciding -------------------------------------------------------------------------------


def household_for_rules(
    settings: Settings, members: list[ResidentRecord], birth_weights: dict[str, int] | None = None
) -> Household:
    """The household as the rules see it, built from the registry (nothing asked from the resident)."""
    role = {"head": "parent", "spouse": "parent", "child": "child"}
    single = (
        any(m.relation == "head" for m in members)
        and any(m.relation == "child" for m in members)
        and not any(m.relation == "spouse" for m in members)
    )
    weights = birth_weights or {}
    return Household(
        municipality=settings.municipality_code,
        single_parent=single,
        members=[
            Member(
                # no registry ids leave the municipality in reasons: members by relation and order
                id=f"{m.relation}-{i}",
                role=role.get(m.relation, "other"),  # type: ignore[arg-type]
                birth_date=m.birth_date,
                sex=m.sex,
                insurance=m.insurance,
                employment_insured=m.employment_insured,
                annual_income=m.annual_income,
                expecting_due_date=m.expecting_due_date,
                birth_weight_g=weights.get(m.id),
            )
            for i, m in enumerate(members, start=1)
        ],
    )


def _legal(decision_legal: list[Any]) -> list[dict[str, str]]:
    return [{"ja": b.ja, "en": b.en} for b in decision_legal]


def answer_from_rules(explanation: Explanation, benefit: str) -> dict[str, Any]:
    """The intake's answer for a rules-decided benefit: status, amount, reasons ja/en, legal basis."""
    b = explanation.benefit(benefit)
    reasons = [{"ja": b.summary, "en": b.summary_en}] + [
        {"ja": m.reason, "en": m.reason_en} for m in b.per_member if m.reason
    ]
    return {
        "status": "approved" if b.eligible else "rejected",
        "benefit": benefit,
        "amount": b.amount,
        "monthly_amount": b.monthly_amount,
        "kind": b.kind,
        "reasons": reasons,
        "legal_basis": _legal(b.legal_basis),
        "decided_by": "rules",
        "effective_from": b.effective_from.isoformat() if b.effective_from else None,
        **({"payment_start": b.details["payment_start"]} if b.details.get("payment_start") else {}),
    }


# 児童手当: a household already receiving for an older child claims the revision (額改定認定請求,
# 第9条), not a first claim (認定請求, 第7条); the rule child_allowance_revision says which.
REVISION_INSTEAD = [
    {
        "ja": "上の子の児童手当をすでに受けているため、この認定請求は受け付けられません。"
        "新しく生まれた子の分は、額改定認定請求をしてください（児童手当法第9条）。"
        "出生日の翌日から15日以内に請求すると、生まれた月の翌月分から増額されます。",
        "en": "The household already receives the child allowance for an older child, so this first claim "
        "cannot be accepted. Please file a revision claim for the new child instead (Child Allowance Act, "
        "art. 9); filed within 15 days after the birth, the increase applies from the month after the birth.",
    }
]


def decide_child_allowance(household: Household, today: date, procedure: str) -> dict[str, Any]:
    """児童手当 at the intake (pure): the first claim or the revision, each only when it is the one
    the household makes. Payment starts as the rules count it for a claim made today (15日特例)."""
    explanation = explain(household, today, ["child_allowance", "child_allowance_revision"])
    revision = explanation.benefit("child_allowance_revision")
    if procedure == "child_allowance_revision":
        answer = answer_from_rules(explanation, "child_allowance_revision")
        if revision.eligible:
            answer["household_monthly_amount"] = revision.details.get("household_monthly_amount")
            start = explanation.benefit("child_allowance").details.get("payment_start") or {}
            new = {d.member for d in revision.per_member if (d.amount or 0) > 0}
            answer["payment_start"] = {k: v for k, v in start.items() if k in new}
        return answer
    answer = answer_from_rules(explanation, "child_allowance")
    if revision.eligible:
        answer.update(
            status="rejected",
            amount=None,
            monthly_amount=None,
            reasons=REVISION_INSTEAD,
            redirect_to="child_allowance_revision",
            legal_basis=_legal(revision.legal_basis),
        )
        answer.pop("payment_start", None)
    return answer


async def _decide(
    session: AsyncSession,
    settings: Settings,
    *,
    filer: ResidentRecord,
    procedure: str,
    fields: dict[str, Any],
    hub: HubRequest,
    today: date,
) -> dict[str, Any]:
    if procedure == "birth_notification":
        return await _birth_notification(session, settings, filer=filer, fields=fields, hub=hub)
    if procedure == "move_out":
        return await move_exchange.decide_move_out(
            session, settings, resident_id=filer.id, fields=fields, today=today
        )
    members = await repository.household_members(
        session, filer.household_id, city=settings.municipality_name_ja
    )
    if procedure in ("child_allowance_claim", "child_allowance_revision"):
        return decide_child_allowance(household_for_rules(settings, members), today, procedure)
    if procedure in RULES_BENEFITS:
        benefit = RULES_BENEFITS[procedure]
        household = household_for_rules(settings, members)
        return answer_from_rules(explain(household, today, [benefit]), benefit)
    if procedure == "nhi_enrolment":
        head = next((m for m in members if m.relation == "head"), filer)
        if head.insurance == "nhi":
            return {
                "status": "accepted",
                "reasons": [
                    {
                        "ja": "世帯主が国民健康保険の被保険者のため、子の加入を受理しました。",
                        "en": "The head of household is insured by NHI: the child's enrolment is accepted.",
                    }
                ],
                "legal_basis": [
                    {"ja": "国民健康保険法 第9条", "en": "National Health Insurance Act, art. 9"}
                ],
                "decided_by": "acceptance",
            }
        return {
            "status": "rejected",
            "reasons": [
                {
                    "ja": "世帯主が被用者保険（健康保険）に加入しているため、子は国民健康保険ではなく"
                    "その扶養に入ります（勤務先の保険者へ届け出てください）。",
                    "en": "The head of household is in an employees' health insurance scheme: the child "
                    "becomes a dependant there, not an NHI member (file with that insurer).",
                }
            ],
            "legal_basis": [{"ja": "国民健康保険法 第6条", "en": "National Health Insurance Act, art. 6"}],
            "decided_by": "acceptance",
        }
    # staff: the medical opinion and the household's income are read by a person
    return {
        "status": "queued",
        "reasons": [
            {
                "ja": "担当者が医師の意見書と世帯の所得を確認します。結果はお知らせします。",
                "en": "Staff will review the medical opinion and the household's income; you will be told.",
            }
        ],
        "legal_basis": [{"ja": "母子保健法 第20条", "en": "Maternal and Child Health Act, art. 20"}],
        "decided_by": "staff",
    }


async def _birth_notification(
    session: AsyncSession,
    settings: Settings,
    *,
    filer: ResidentRecord,
    fields: dict[str, Any],
    hub: HubRequest,
) -> dict[str, Any]:
    """出生届: the existing intake (:func:`service.register_birth`) on the signed document's fields."""
    missing = [
        f
        for f in ("child_name", "child_name_kana", "birth_certificate", "presentation_nonce")
        if not fields.get(f)
    ]
    if missing:
        raise Problem(
            status=422,
            slug="invalid-birth-notification",
            title="The birth notification cannot be accepted as filed",
            title_ja="出生届の内容に誤りがあります",
            errors=[FieldError(f, "Required", "必須です") for f in missing],
        )
    given = str(fields["child_name"]).replace("\u3000", " ").split(" ")[-1]
    client = member_client(settings, settings.municipality_member)
    tickets: list[str] = []

    async def register_child() -> str:
        code = await client.register_subject()
        tickets.append(await client.introduce(code, hub.client_member))
        return code

    result = await service.register_birth(
        session,
        settings,
        filer_id=filer.id,
        given_name=given,
        given_name_kana=str(fields["child_name_kana"]),
        presentation=str(fields["birth_certificate"]),
        nonce=str(fields["presentation_nonce"]),
        mint_code=register_child,
    )
    # birth.registered leaves through the outbox with this registration (relayed to the hub)
    await announce_birth(
        session,
        settings,
        result,
        subject_code=hub.subject_code,
        client_member=hub.client_member,
        child_ticket=tickets[0] if tickets else None,
    )
    reasons = [
        {
            "ja": f"出生届を受理しました（届出期限 {result.deadline.isoformat()}）。",
            "en": f"The birth notification is accepted (deadline {result.deadline.isoformat()}).",
        }
    ]
    if result.late:
        reasons.append(
            {
                "ja": "届出期間（14日）を過ぎています。受理しましたが、"
                "戸籍法により簡易裁判所へ通知されます。",
                "en": "Filed after the 14-day period: accepted, and reported to the summary court as the "
                "Family Register Act requires.",
            }
        )
    return {
        "status": "accepted",
        "reasons": reasons,
        "legal_basis": [{"ja": "戸籍法 第49条・第52条", "en": "Family Register Act, arts. 49 and 52"}],
        "decided_by": "acceptance",
        "late": result.late,
        "notification_id": result.notification_id,
        "child": {
            "name": result.child.name,
            "name_kana": result.child.name_kana,
            "birth_date": result.child.birth_date.isoformat(),
            "sex": result.child.sex,
        },
        "deadline": result.deadline.isoformat(),
        "child_ticket": tickets[0] if tickets else None,
    }


# How the municipality receives signed applications (the checks every deciding agency makes).
DESK = IntakeDesk(
    member_id=MEMBER_ID,
    handled=HANDLED,
    received=ReceivedApplication,
    person_column="resident_id",
    reference_prefix="MA",
    schemas=SchemaShelf.of("tenohira.agencies.municipality"),
)


async def receive(
    session: AsyncSession,
    settings: Settings,
    hub: HubRequest,
    body: IntakeIn,
    *,
    trust: TrustLoader,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Verify, store and decide one filed application; a retry returns the stored answer."""

    async def filer(_: Filing) -> ResidentRecord:
        return await service.resident_for_code(session, settings, hub.subject_code)

    async def decide(person: ResidentRecord, filing: Filing, today: date) -> dict[str, Any]:
        return await _decide(
            session,
            settings,
            filer=person,
            procedure=body.procedure,
            fields=filing.fields,
            hub=hub,
            today=today,
        )

    return await DESK.receive(session, hub, body, trust=trust, applicant=filer, decide=decide, now=now)


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The intake route of the municipality app."""
    trust = trust_from(settings)

    async def receive_filing(db: AsyncSession, hub: HubRequest, body: IntakeIn) -> dict[str, Any]:
        return await receive(db, settings, hub, body, trust=trust)

    return DESK.router(settings, gate, receive_filing)
