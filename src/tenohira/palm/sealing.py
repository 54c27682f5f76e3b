"""Sealing rows the palm stored before it used the vault (migration ``palm_0002``).

Email addresses, application fields and documents, bundle manifests and signatures are vault
ciphertexts under the resident's key (see ``models.py`` and docs/vault.md); rows written earlier
hold their plaintext as bytes until this start-up step seals them.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.palm.models import Application, Bundle, Person
from tenohira.vault import seal_legacy


async def seal_legacy_rows(session: AsyncSession) -> int:
    """Seal every palm value still in clear; returns how many rows changed."""
    return (
        await seal_legacy(session, Person, ["email"])
        + await seal_legacy(session, Application, ["fields", "document", "decision"])
        + await seal_legacy(session, Bundle, ["manifest", "signature"])
    )
