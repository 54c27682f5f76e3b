"""The insurer's hub services (no ``from __future__ import annotations``: FastAPI resolves the aliases)."""

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.insurer import schemas, service
from tenohira.agencies.membership import LazyHubProvider, member_client, member_session, parse_body
from tenohira.core.config import Settings
from tenohira.core.problems import FieldError, Problem
from tenohira.hub import HubRequest

MEMBER_ID = "insurer"
log = structlog.get_logger("tenohira.insurer")
# Hospitals claim the lump sum under the direct payment system; everyone else is the insured.
DIRECT_PAYMENT_CLAIMANTS = frozenset({"hospital"})


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The routes of the insurer app for ``settings``."""
    router = APIRouter(prefix="/services", tags=["insurer"])
    Hub = Annotated[HubRequest, Depends(gate.request)]

    Session = Annotated[AsyncSession, Depends(member_session(settings))]

    def municipality_facts(code: str | None) -> service.FactsLookup:
        async def lookup() -> dict[str, Any] | None:
            # Identify a person seen for the first time by the registry's basic facts, via the hub.
            answer = await member_client(settings, MEMBER_ID).call(
                "municipality.basic-facts", subject_code=code, purpose="dependant-check"
            )
            if not answer.ok:
                log.warning("basic facts lookup refused", status=answer.status, problem=answer.problem)
                return None
            facts: dict[str, Any] = answer.json()
            return facts

        return lookup

    async def person(db: AsyncSession, hub: HubRequest, hint: BaseModel | None) -> Any:
        return await service.person_for(
            db,
            hub.subject_code,
            hint.model_dump(mode="json") if hint else None,
            municipality_facts(hub.subject_code),
        )

    @router.api_route("/insurance-type", methods=["GET", "POST"])
    async def insurance_type(hub: Hub, db: Session) -> dict[str, Any]:
        """The person's insurance: employees' scheme or NHI, insured or dependant."""
        body = parse_body(schemas.InsuranceTypeRequest, hub.json())
        who = await person(db, hub, body.person)
        return await service.insurance_type(db, who)

    @router.post("/dependants", status_code=201)
    async def add_dependant(hub: Hub, db: Session) -> dict[str, Any]:
        """Cover a new dependant (a newborn, typically) under the insured person (the subject)."""
        body = parse_body(schemas.DependantIn, hub.json())
        insured = await person(db, hub, body.person)
        code = None
        if body.introduction_ticket:
            # before writing: the hub may share our (SQLite) database
            code = await member_client(settings, MEMBER_ID).redeem(body.introduction_ticket)
        _, notice = await service.add_dependant(
            db,
            insured,
            service.NewDependant(
                name=body.name,
                name_kana=body.name_kana,
                birth_date=body.birth_date,
                sex=body.sex,
                relation=body.relation,
                expected_income=body.expected_income,
                reason=body.reason,
            ),
            code=code,
        )
        return notice

    @router.post("/lump-sum")
    async def lump_sum(hub: Hub, db: Session) -> dict[str, Any]:
        """出産育児一時金: a claim (the hospital under direct payment, or the insured) or its status."""
        body = parse_body(schemas.LumpSumIn, hub.json())
        mother = await person(db, hub, body.person)
        if body.action == "status":
            return {"claims": [service.claim_view(c) for c in await service.claims_of(db, mother)]}
        missing = [f for f in ("birth_date", "gestational_weeks", "facility") if getattr(body, f) is None]
        if missing:
            raise Problem(
                status=422,
                slug="invalid-input",
                title="Invalid input",
                title_ja="入力内容に誤りがあります",
                errors=[FieldError(f, "Required for a claim", "請求には必須です") for f in missing],
            )
        assert (
            body.birth_date is not None and body.gestational_weeks is not None and body.facility is not None
        )
        claim = await service.claim_lump_sum(
            db,
            mother,
            service.LumpSumClaimIn(
                birth_date=body.birth_date,
                babies=body.babies,
                gestational_weeks=body.gestational_weeks,
                facility=body.facility,
                compensation_scheme=body.compensation_scheme,
                charges=body.charges,
            ),
            claimed_by=hub.client_member,
            direct_payment=hub.client_member in DIRECT_PAYMENT_CLAIMANTS,
        )
        return service.claim_view(claim)

    return router
