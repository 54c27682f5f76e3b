"""The insurer's application intake (hub service ``insurer.application-intake``).

Same checks as every deciding agency (``agencies.membership.filing``): the document's digest
in the manifest the resident signed once, the card signature against the CA chain and CRL, and
the signer being the insured person the hub names. Then, on the insurer's own data:

- 被扶養者（異動）届 ``employee_insurance_dependant``: the newborn is covered under the applicant
  (the insurer's dependant rules: income limit, duplicates);
- 出産育児一時金 ``childbirth_lump_sum`` / ``childbirth_lump_sum_remainder``: the hospital's
  direct-payment claim decides the amount; the remainder (差額) is paid to the insured. Without
  a hospital claim the application is queued for staff (the invoice has to be read);
- 出産手当金 ``maternity_allowance``: ``tenohira.rules`` over the household (from the municipality
  through the hub, purpose ``benefit-decision``) and whether the applicant is insured in her own
  right (the insurer's record).

A retried filing (same client and application id) gets the first answer back.
"""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

import structlog
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.insurer import service
from tenohira.agencies.insurer.intake_models import ReceivedApplication
from tenohira.agencies.insurer.models import InsuredPerson
from tenohira.agencies.membership import (
    Filing,
    IntakeDesk,
    IntakeIn,
    LazyHubProvider,
    SchemaShelf,
    member_client,
    trust_from,
)
from tenohira.core.config import Settings
from tenohira.core.problems import Problem
from tenohira.hub import HubRequest
from tenohira.identity import TrustStore
from tenohira.rules import Household, Member, explain

MEMBER_ID = "insurer"
log = structlog.get_logger("tenohira.insurer.intake")
HANDLED = frozenset(
    {
        "employee_insurance_dependant",
        "childbirth_lump_sum",
        "childbirth_lump_sum_remainder",
        "maternity_allowance",
    }
)
TrustLoader = Callable[[], Awaitable[TrustStore]]
HouseholdLoader = Callable[[], Awaitable[dict[str, Any] | None]]


def _reason(ja: str, en: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


async def _dependant(
    session: AsyncSession, insured: InsuredPerson, fields: dict[str, Any], today: date
) -> dict[str, Any]:
    try:
        birth = date.fromisoformat(str(fields.get("child_birth_date")))
    except ValueError:
        birth = None
    if not fields.get("child_name") or birth is None:
        return {
            "status": "queued",
            "reasons": [_reason("子の情報を担当者が確認します。", "Staff will check the child's details.")],
            "legal_basis": [_reason("健康保険法 第3条第7項", "Health Insurance Act, art. 3(7)")],
            "decided_by": "staff",
        }
    try:
        _, notice = await service.add_dependant(
            session,
            insured,
            service.NewDependant(
                name=str(fields["child_name"]),
                name_kana=str(fields.get("child_name_kana") or ""),
                birth_date=birth,
                sex=str(fields.get("child_sex") or ""),
                relation="child",
                expected_income=0,
                reason="birth",
            ),
            today=today,
        )
    except Problem as exc:
        if exc.slug != "already-covered":
            raise
        return {
            "status": "approved",
            "reasons": [
                _reason("この子はすでに被扶養者として加入しています。", "The child is already covered.")
            ],
            "legal_basis": [_reason("健康保険法 第3条第7項", "Health Insurance Act, art. 3(7)")],
            "decided_by": "insurer records",
        }
    covered = "被扶養者" if notice["role"] == "dependant" else "被保険者（国民健康保険）"
    return {
        "status": "approved",
        "reasons": [
            _reason(
                f"{notice['qualified_from']}から{covered}として認定しました（{notice['insurer_name']}）。"
                f"{notice['document']}をお送りします。",
                f"Covered from {notice['qualified_from']} as a {notice['role']} ({notice['insurer_name']}); "
                "a notice of your eligibility information follows.",
            )
        ],
        "legal_basis": [
            _reason("健康保険法 第3条第7項 / 施行規則 第38条", "Health Insurance Act 3(7); Ordinance 38")
        ],
        "decided_by": "insurer rules",
        "late": notice["late"],
    }


async def _lump_sum(session: AsyncSession, insured: InsuredPerson, remainder: bool) -> dict[str, Any]:
    claims = await service.claims_of(session, insured)
    if not claims:
        return {
            "status": "queued",
            "reasons": [
                _reason(
                    "医療機関からの直接支払の請求がないため、担当者が領収書・明細書を確認します。",
                    "No direct-payment claim from a hospital: staff will check the invoice.",
                )
            ],
            "legal_basis": [_reason("健康保険法 第101条", "Health Insurance Act, art. 101")],
            "decided_by": "staff",
        }
    claim = service.claim_view(claims[0])
    amount = claim["to_insured"] if remainder else claim["amount"]
    if remainder and not amount:
        return {
            "status": "rejected",
            "amount": 0,
            "reasons": [
                _reason(
                    "出産費用が一時金の額以上のため、差額はありません（全額を医療機関へ直接支払いました）。",
                    "The delivery cost was at least the lump sum: there is no remainder "
                    "(all paid to the hospital).",
                )
            ],
            "legal_basis": [_reason("健康保険法 第101条", "Health Insurance Act, art. 101")],
            "decided_by": "direct-payment claim",
            "claim": claim,
        }
    how = (
        f"医療機関へ{claim['to_hospital']:,}円を直接支払い、差額{claim['to_insured']:,}円をお支払いします。"
        if claim["direct_payment"]
        else f"{claim['amount']:,}円をお支払いします。"
    )
    return {
        "status": "approved",
        "amount": amount,
        "reasons": [
            _reason(
                f"出産育児一時金 {claim['amount']:,}円を支給します。{how}",
                f"Childbirth lump sum of ¥{claim['amount']:,} granted "
                f"(¥{claim['to_hospital']:,} to the hospital, ¥{claim['to_insured']:,} to you).",
            )
        ],
        "legal_basis": [_reason(str(claim["legal_basis"]), "Health Insurance Act, art. 101")],
        "decided_by": "direct-payment claim",
        "claim": claim,
    }


def household_for_rules(settings: Settings, household: dict[str, Any], insured: InsuredPerson) -> Household:
    """The rules' household from the municipality's answer, with the insurer's own insured/dependant fact."""
    role = {"head": "parent", "spouse": "parent", "child": "child"}
    members = []
    for i, m in enumerate(household.get("members") or [], start=1):
        subject = bool(m.get("is_subject"))
        members.append(
            Member(
                id=f"{m.get('relation')}-{i}",
                role=role.get(str(m.get("relation")), "other"),  # type: ignore[arg-type]
                birth_date=date.fromisoformat(str(m["birth_date"])),
                sex=m.get("sex"),
                insurance=m.get("insurance") or "nhi",
                employment_insured=bool(m.get("employment_insured")),
                annual_income=int(m.get("annual_income") or 0),
                expecting_due_date=m.get("expecting_due_date"),
                insured_person=(insured.role == "insured") if subject else None,
            )
        )
    return Household(municipality=settings.municipality_code, members=members)


async def _maternity(
    settings: Settings, insured: InsuredPerson, household: dict[str, Any] | None, today: date
) -> dict[str, Any]:
    if household is None:
        return {
            "status": "queued",
            "reasons": [_reason("世帯の情報を担当者が確認します。", "Staff will check the household.")],
            "legal_basis": [_reason("健康保険法 第102条", "Health Insurance Act, art. 102")],
            "decided_by": "staff",
        }
    b = explain(household_for_rules(settings, household, insured), today, ["maternity_allowance"]).benefit(
        "maternity_allowance"
    )
    return {
        "status": "approved" if b.eligible else "rejected",
        "benefit": b.id,
        "amount": b.amount,
        "kind": b.kind,
        "reasons": [_reason(b.summary, b.summary_en)]
        + [_reason(m.reason, m.reason_en) for m in b.per_member],
        "legal_basis": [{"ja": x.ja, "en": x.en} for x in b.legal_basis],
        "decided_by": "rules",
    }


# How the insurer receives signed applications (the checks every deciding agency makes).
DESK = IntakeDesk(
    member_id=MEMBER_ID,
    handled=HANDLED,
    received=ReceivedApplication,
    person_column="person_id",
    reference_prefix="IA",
    schemas=SchemaShelf.of("tenohira.agencies.insurer"),
)


async def receive(
    session: AsyncSession,
    settings: Settings,
    hub: HubRequest,
    body: IntakeIn,
    *,
    trust: TrustLoader,
    household: HouseholdLoader,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Verify, store and decide one filed application; a retry returns the stored answer."""
    family: dict[str, Any] | None = None

    async def municipality_facts() -> dict[str, Any] | None:
        answer = await member_client(settings, MEMBER_ID).call(
            "municipality.basic-facts", subject_code=hub.subject_code, purpose="dependant-check"
        )
        return answer.json() if answer.ok else None

    async def insured_person(_: Filing) -> InsuredPerson:
        nonlocal family
        # hub calls before anything is written (the hub may share an embedded SQLite database)
        family = await household() if body.procedure == "maternity_allowance" else None
        return await service.person_for(session, hub.subject_code, None, municipality_facts)

    async def decide(insured: InsuredPerson, filing: Filing, today: date) -> dict[str, Any]:
        if body.procedure == "employee_insurance_dependant":
            return await _dependant(session, insured, filing.fields, today)
        if body.procedure == "maternity_allowance":
            return await _maternity(settings, insured, family, today)
        return await _lump_sum(session, insured, body.procedure == "childbirth_lump_sum_remainder")

    return await DESK.receive(
        session, hub, body, trust=trust, applicant=insured_person, decide=decide, now=now
    )


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The intake route of the insurer app."""
    trust = trust_from(settings)

    async def receive_filing(db: AsyncSession, hub: HubRequest, body: IntakeIn) -> dict[str, Any]:
        async def household() -> dict[str, Any] | None:
            answer = await member_client(settings, MEMBER_ID).call(
                "municipality.household", subject_code=hub.subject_code, purpose="benefit-decision"
            )
            if not answer.ok:
                log.warning("household refused", status=answer.status)
                return None
            result: dict[str, Any] = answer.json()
            return result

        return await receive(db, settings, hub, body, trust=trust, household=household)

    return DESK.router(settings, gate, receive_filing)
