"""The hospital's hub services (no ``from __future__ import annotations``: FastAPI resolves the aliases)."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.hospital import schemas, service
from tenohira.agencies.membership import LazyHubProvider
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.problems import FieldError, Problem
from tenohira.credentials import BIRTH_CERTIFICATE_VCT
from tenohira.hub import HubRequest

MEMBER_ID = "hospital"


def _parse(body: Any) -> schemas.BirthCertificateRequest:
    from pydantic import ValidationError

    try:
        return schemas.BirthCertificateRequest.model_validate(body or {})
    except ValidationError as exc:
        raise Problem(
            status=422,
            slug="invalid-input",
            title="Invalid input",
            title_ja="入力内容に誤りがあります",
            errors=[
                FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"], "入力内容に誤りがあります")
                for e in exc.errors()
            ],
        ) from exc


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """The routes of the hospital app for ``settings``."""
    router = APIRouter(prefix="/services", tags=["hospital"])
    Hub = Annotated[HubRequest, Depends(gate.request)]

    async def db_session() -> AsyncIterator[AsyncSession]:
        async with get_database(settings).session() as s:
            yield s

    Session = Annotated[AsyncSession, Depends(db_session)]

    # The hub catalogue lists this service as GET; a body is accepted either way, and POST too.
    @router.api_route(
        "/birth-certificate", methods=["GET", "POST"], response_model=schemas.BirthCertificateResponse
    )
    async def birth_certificate(hub: Hub, db: Session, background: BackgroundTasks) -> dict[str, object]:
        """出生証明書 for the mother (the subject), bound to the key she holds.

        Afterwards (once committed) the hospital claims the lump sum from her insurer.
        """
        body = _parse(hub.json())
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
