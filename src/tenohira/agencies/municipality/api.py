"""The municipality's hub services: thin handlers over :mod:`service`.

(No ``from __future__ import annotations``: FastAPI must see the local dependency aliases.)

Every route here answers only requests the hub forwarded and signed (``Depends(gate.request)``);
the person is named by the municipality's own hub code in ``Hub-Subject``.
"""

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import LazyHubProvider, member_client, member_session
from tenohira.agencies.municipality import schemas, service
from tenohira.agencies.municipality.relay import announce_birth
from tenohira.audit import append_event
from tenohira.core.config import Settings
from tenohira.hub import HubRequest

MEMBER_ID = "municipality"
BIRTH_REGISTERED = "birth.registered"  # topic of the domain event (tenohira.events; relay.py)
log = structlog.get_logger("tenohira.municipality")


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The routes of the municipality app for ``settings``."""
    router = APIRouter(prefix="/services", tags=["municipality"])
    Hub = Annotated[HubRequest, Depends(gate.request)]

    Session = Annotated[AsyncSession, Depends(member_session(settings))]

    @router.get("/basic-facts", response_model=schemas.BasicFacts)
    async def basic_facts(hub: Hub, db: Session) -> dict[str, object]:
        """基本4情報 of the person."""
        record = await service.resident_for_code(db, settings, hub.subject_code)
        return service.basic_facts(record)

    @router.get("/household", response_model=schemas.Household)
    async def household(hub: Hub, db: Session) -> dict[str, object]:
        """The person's household (reveals third parties: the hub marks the access history)."""
        record = await service.resident_for_code(db, settings, hub.subject_code)
        return await service.household_composition(db, settings, record.id)

    @router.get("/resident-tax-status", response_model=schemas.ResidentTaxStatus)
    async def resident_tax_status(
        hub: Hub, db: Session, fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None
    ) -> dict[str, object]:
        """住民税の課税・非課税 for the current fiscal year."""
        record = await service.resident_for_code(db, settings, hub.subject_code)
        return await service.resident_tax_status(db, settings, record.id, fiscal_year)

    @router.get("/eligibility-facts", response_model=schemas.EligibilityFacts)
    async def eligibility_facts(
        hub: Hub, db: Session, fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None
    ) -> dict[str, object]:
        """Household and 住民税の課税・非課税 in one answer (eligibility.py; reveals third parties)."""
        record = await service.resident_for_code(db, settings, hub.subject_code)
        return await service.eligibility_facts(db, settings, record, fiscal_year)

    @router.get("/presentation-nonce", response_model=schemas.PresentationNonce)
    async def presentation_nonce(hub: Hub) -> dict[str, object]:
        """A nonce (and the audience) for presenting a credential to the municipality."""
        return service.issue_presentation_nonce(settings)

    @router.post("/birth-notifications", response_model=schemas.BirthNotificationOut, status_code=201)
    async def birth_notification(
        hub: Hub, db: Session, body: schemas.BirthNotificationIn
    ) -> dict[str, object]:
        """出生届 filed by the person (a parent) with the hospital's birth certificate."""
        filer = await service.resident_for_code(db, settings, hub.subject_code)
        client = member_client(settings, settings.municipality_member)
        tickets: list[str] = []

        async def register_child() -> str:
            # Before anything is written: the hub may share our (SQLite) database.
            code = await client.register_subject()
            # The caller learns its own code for the child through the hub, never ours.
            tickets.append(await client.introduce(code, hub.client_member))
            return code

        result = await service.register_birth(
            db,
            settings,
            filer_id=filer.id,
            given_name=body.given_name,
            given_name_kana=body.given_name_kana,
            presentation=body.birth_certificate,
            nonce=body.nonce,
            mint_code=register_child,
        )
        ticket = tickets[0] if tickets else None
        # In the same transaction as the registration: the event leaves after commit (outbox).
        # References only: no names, no numbers; the caller learns the child through its ticket.
        await announce_birth(
            db,
            settings,
            result,
            subject_code=hub.subject_code,
            client_member=hub.client_member,
            child_ticket=ticket,
        )
        await append_event(
            db,
            type="municipality:birth:registered",
            actor=f"municipality:{settings.municipality_code}",
            subject=result.notification_id,
            attributes={"late": str(result.late).lower(), "via": hub.client_member},
        )
        log.info("birth registered", notification=result.notification_id, late=result.late)
        return {
            "notification_id": result.notification_id,
            "child": {
                "name": result.child.name,
                "name_kana": result.child.name_kana,
                "birth_date": result.child.birth_date,
                "sex": result.child.sex,
            },
            "filed_on": result.filed_on,
            "deadline": result.deadline,
            "late": result.late,
            "child_ticket": ticket,
        }

    return router
