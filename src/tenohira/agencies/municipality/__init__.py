"""Municipality: resident registry (住民基本台帳), notifications intake, domain events.

Public face for the rest of the platform (card issuance at the counter, operators):

- :class:`ResidentRecord` — a resident as the registry knows them.
- :func:`get_resident`, :func:`list_residents`, :func:`household_of` — reads.
- ``tenohira.agencies.municipality.bootstrap.seed_population`` — grow the demo population.

Other agencies and the palm never import this: they ask through the hub.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.municipality import repository
from tenohira.agencies.municipality.repository import InsuranceType, ResidentRecord, Sex
from tenohira.core.config import get_settings


async def get_resident(session: AsyncSession, resident_id: str) -> ResidentRecord | None:
    """The resident with ``resident_id`` (e.g. ``"R0000123"``), or None if unknown."""
    return await repository.get(session, resident_id, city=get_settings().municipality_name_ja)


async def list_residents(session: AsyncSession, *, limit: int = 100, offset: int = 0) -> list[ResidentRecord]:
    """Current residents in registry order (people who left or died are not listed)."""
    return await repository.page(
        session, limit=limit, offset=offset, city=get_settings().municipality_name_ja
    )


async def household_of(session: AsyncSession, household_id: str) -> list[ResidentRecord]:
    """The current members of a household, head first."""
    return await repository.household_members(session, household_id, city=get_settings().municipality_name_ja)


__all__ = ["InsuranceType", "ResidentRecord", "Sex", "get_resident", "household_of", "list_residents"]
