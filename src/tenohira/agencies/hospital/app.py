"""The hospital as its own ASGI application (mounted at /agencies/hospital)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tenohira.agencies.hospital import service
from tenohira.agencies.hospital.api import MEMBER_ID, build_router
from tenohira.agencies.membership import member_app
from tenohira.core.config import Settings
from tenohira.core.problems import from_status
from tenohira.credentials import public_jwk


def create_app(settings: Settings) -> FastAPI:
    """Build the hospital application: hub services, plus its public issuer metadata."""
    app, _ = member_app(
        settings,
        MEMBER_ID,
        title="tenohira hospital (出生証明書)",
        description="Reference hospital: birth records and digital birth certificates (SD-JWT VC).",
        routers=[build_router],
    )

    @app.get("/{facility_id}/.well-known/jwt-vc-issuer")
    async def issuer_metadata(facility_id: str) -> dict[str, Any]:
        """JWT VC Issuer Metadata of a facility (public keys only), for registering it elsewhere."""
        spec = next((f for f in service.FACILITIES if f.id == facility_id), None)
        if spec is None:
            raise from_status(404)
        key = service.issuer_key(settings, spec.id)
        return {
            "issuer": service.issuer_id(spec.id),
            "kind": "hospital",
            "name_ja": spec.name_ja,
            "name_en": spec.name_en,
            "jwks": {"keys": [public_jwk(key)]},
        }

    return app
