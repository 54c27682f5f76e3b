"""HTTP API of vault: the state of the sites and of a rotation (no key material, no personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tenohira.core.config import get_settings
from tenohira.vault.schemas import VaultStatus

router = APIRouter(prefix="/api/vault", tags=["vault"])


@router.get("/status", response_model=VaultStatus)
async def vault_status() -> dict[str, Any]:
    """Sites (present or missing, shares held, data keys per KEK version), secrets and the latest rotation."""
    from tenohira.vault.service import status

    data = await status(get_settings())
    for site in data["sites"]:
        site.pop("path", None)  # where the disks are mounted is the operator's business
    return data
