"""The hospital's hub services (no ``from __future__ import annotations``: FastAPI resolves the aliases)."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.hospital import schemas, service
from tenohira.agencies.membership import LazyHubProvider, member_session, parse_body
from tenohira.core.config import Settings
from tenohira.credentials import BIRTH_CERTIFICATE_VCT
from tenohira.hub import HubRequest

MEMBER_ID = "hospital"


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The routes of the hospital app for ``settings``."""
    router = APIRouter(prefix="/services", tags=["hospital"])
    Hub = Annotated[HubRequest, Depends(gate.request)]

    Session = Annotated[AsyncSession, Depends(member_session(settings))]

    # The hub catalogue lists this service as GET; a body is accepted either way, and POST too.
    @router.api_route(
        "/birth-certificate", methods=["GET", "POST"], response_model=schemas.BirthCertificateResponse
    )
    async def birth_certificate(hub: Hub, db: Session, background: BackgroundTasks) -> dict[str, object]:
        """出生証明書 for the mother (the subject), bound to the key she holds.

        Afterwards (once committed) the hospital claims the lump sum from her insurer.
        """
        body = parse_body(schemas.BirthCertificateRequest, hub.json())
        hint = body.person.model_dump(mode="json") if body.person else None
        patient = await service.patient_for(db, hub.subject_code, hint)
        issued = await service.issue_birth_certificate(db, settings, patient, body.holder_jwk)
        # End the unit of work here: the claim that follows must see the recorded birth and code.
        await db.commit()
        background.add_task(service.submit_direct_payment, settings, [c.birth_id for c in issued])
        return {
            "certificates": [
                {
                    "credential": c.credential,
                    "issuer": c.issuer,
                    "vct": BIRTH_CERTIFICATE_VCT,
                    "expires_at": c.expires_at,
                }
                for c in issued
            ]
        }

    @router.get("/births")
    async def births(hub: Hub, db: Session) -> dict[str, object]:
        """The patient's births (for the insurer's direct payment): dates and facility, no names."""
        patient = await service.patient_for(db, hub.subject_code, None)
        await service.record_deliveries(db, settings)
        return {"births": await service.birth_summary(db, patient)}

    return router
