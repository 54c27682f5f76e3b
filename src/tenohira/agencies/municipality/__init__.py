"""Municipality: resident registry (住民基本台帳), notifications intake, domain events.

Public face for the rest of the platform (card issuance at the counter, operators):

- :class:`ResidentRecord` — a resident as the registry knows them.
- :func:`get_resident`, :func:`list_residents`, :func:`household_of` — reads.
- :func:`hub_code_for_resident` — the resident's hub code (registered on first need).
- ``tenohira.agencies.municipality.bootstrap.seed_population`` — grow the demo population.

Other agencies and the palm never import this: they ask through the hub.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.ext.asyncio import AsyncSession

    from tenohira.agencies.municipality.repository import InsuranceType, ResidentRecord, Sex

# the registry's types load when first used: the municipality's commands (``tenohira card``,
# ``residents``) print their help without the database stack
_REGISTRY = "tenohira.agencies.municipality.repository"
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        name: "tenohira.agencies.municipality.repository"
        for name in ("InsuranceType", "ResidentRecord", "Sex")
    },
)


def _city() -> str:
    from tenohira.core.config import get_settings

    return get_settings().municipality_name_ja


async def get_resident(session: AsyncSession, resident_id: str) -> ResidentRecord | None:
    """The resident with ``resident_id`` (e.g. ``"R0000123"``), or None if unknown."""
    from tenohira.agencies.municipality import repository

    return await repository.get(session, resident_id, city=_city())


async def list_residents(session: AsyncSession, *, limit: int = 100, offset: int = 0) -> list[ResidentRecord]:
    """Current residents in registry order (people who left or died are not listed)."""
    from tenohira.agencies.municipality import repository

    return await repository.page(session, limit=limit, offset=offset, city=_city())


async def find_by_individual_number(session: AsyncSession, number: str) -> ResidentRecord | None:
    """The resident with this 個人番号, looked up through a keyed blind index (never plaintext)."""
    from tenohira.agencies.municipality import repository

    return await repository.by_individual_number(session, number, city=_city())


async def find_residents(session: AsyncSession, *, name: str, birth_date: date) -> list[ResidentRecord]:
    """Residents with exactly this name (spacing and full/half width normalised) and date of birth."""
    from tenohira.agencies.municipality import repository

    city = _city()
    return await repository.by_name_and_birth(session, name, birth_date, city=city)


async def hub_code_for_resident(session: AsyncSession, resident_id: str) -> str:
    """The municipality's hub agency code for a resident, registered with the hub on first need.

    For card issuance at the counter (link the card to this code with the municipality's hub
    client). Call it before writing anything else in the same unit of work: the hub may share
    the embedded SQLite database. Raises a 404 problem for an unknown resident, 503 without
    hub credentials.
    """
    from tenohira.agencies.membership import member_client
    from tenohira.agencies.municipality import service
    from tenohira.core.config import get_settings

    settings = get_settings()
    client = member_client(settings, "municipality")
    return await service.hub_code(session, settings, resident_id, client.register_subject)


async def household_of(session: AsyncSession, household_id: str) -> list[ResidentRecord]:
    """The current members of a household, head first."""
    from tenohira.agencies.municipality import repository

    return await repository.household_members(session, household_id, city=_city())


__all__ = [
    "InsuranceType",
    "ResidentRecord",
    "Sex",
    "find_by_individual_number",
    "find_residents",
    "get_resident",
    "household_of",
    "list_residents",
]
