"""Every query of the resident registry.

Personal fields (name, reading, date of birth, individual number, address line) are
turned into rows only by :func:`resident_row` / :func:`household_row` and back only by
:func:`to_record`: encryption at rest (vault) is retrofitted here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.municipality.models import BirthNotification, District, Household, Resident

Sex = Literal["male", "female"]
InsuranceType = Literal["employee", "nhi"]


@dataclass(frozen=True)
class ResidentRecord:
    """A resident as the registry (住民基本台帳) knows them.

    ``relation`` is the 続柄 to the head of household: head, spouse, child, parent.
    ``insurance`` is the public health insurance: ``employee`` (被用者保険, as insured or
    dependant) or ``nhi`` (国民健康保険). ``annual_income`` is last year's income in yen.
    """

    id: str
    household_id: str
    name: str
    name_kana: str
    birth_date: date
    sex: Sex
    address: str  # full address: city + 町字 + line
    district: str  # 町字 name
    district_id: str  # 町字ID (local government code + 7 digits)
    postal_code: str
    individual_number: str  # 個人番号: never leaves the municipality
    insurance: InsuranceType
    employment_insured: bool  # 雇用保険の被保険者
    annual_income: int
    relation: str
    expecting_due_date: date | None
    hospital_id: str | None
    moved_in: date
    status: str  # resident / moved_out / deceased
    head_of_household_id: str | None

    def age_on(self, day: date) -> int:
        """Age in full years on ``day`` (a birthday counts from the day itself)."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def resident_row(
    *,
    id: str,
    seq: int,
    household_id: str,
    relation: str,
    name: str,
    name_kana: str,
    birth_date: date,
    sex: str,
    individual_number: str,
    insurance: str,
    employment_insured: bool,
    annual_income: int,
    expecting_due_date: date | None,
    hospital_id: str | None,
    moved_in: date,
    created_at: datetime,
    status: str = "resident",
) -> dict[str, Any]:
    """The column values of a resident (the one place personal fields are written)."""
    return {
        "id": id,
        "seq": seq,
        "household_id": household_id,
        "relation": relation,
        "name": name,
        "name_kana": name_kana,
        "birth_date": birth_date,
        "sex": sex,
        "individual_number": individual_number,
        "insurance": insurance,
        "employment_insured": employment_insured,
        "annual_income": annual_income,
        "expecting_due_date": expecting_due_date,
        "hospital_id": hospital_id,
        "moved_in": moved_in,
        "status": status,
        "created_at": created_at,
    }


def household_row(
    *,
    id: str,
    seq: int,
    district_id: str,
    address_line: str,
    head_resident_id: str | None,
    created_at: datetime,
) -> dict[str, Any]:
    """The column values of a household (its address line is personal)."""
    return {
        "id": id,
        "seq": seq,
        "district_id": district_id,
        "address_line": address_line,
        "head_resident_id": head_resident_id,
        "created_at": created_at,
    }


def to_record(r: Resident, h: Household, d: District, city: str) -> ResidentRecord:
    """A registry row as a record (the one place personal fields are read)."""
    return ResidentRecord(
        id=r.id,
        household_id=r.household_id,
        name=r.name,
        name_kana=r.name_kana,
        birth_date=r.birth_date,
        sex="female" if r.sex == "female" else "male",
        address=f"{city}{d.name}{h.address_line}",
        district=d.name,
        district_id=d.id,
        postal_code=d.postal_code,
        individual_number=r.individual_number,
        insurance="employee" if r.insurance == "employee" else "nhi",
        employment_insured=r.employment_insured,
        annual_income=r.annual_income,
        relation=r.relation,
        expecting_due_date=r.expecting_due_date,
        hospital_id=r.hospital_id,
        moved_in=r.moved_in,
        status=r.status,
        head_of_household_id=h.head_resident_id,
    )


CITY_NAME = "手のひら市"


def _from_row(row: sa.Row[Resident, Household, District], city: str) -> ResidentRecord:
    return to_record(row[0], row[1], row[2], city)


def _joined() -> sa.Select[Resident, Household, District]:
    return (
        sa.select(Resident, Household, District)
        .join(Household, Resident.household_id == Household.id)
        .join(District, Household.district_id == District.id)
    )


async def get(session: AsyncSession, resident_id: str, city: str = CITY_NAME) -> ResidentRecord | None:
    """The resident with ``resident_id``, or None."""
    row = (await session.execute(_joined().where(Resident.id == resident_id))).first()
    return _from_row(row, city) if row else None


async def page(
    session: AsyncSession, *, limit: int, offset: int, city: str = CITY_NAME, include_gone: bool = False
) -> list[ResidentRecord]:
    """Residents in registry order."""
    q = _joined().order_by(Resident.seq).limit(limit).offset(offset)
    if not include_gone:
        q = q.where(Resident.status == "resident")
    return [_from_row(row, city) for row in (await session.execute(q)).all()]


async def household_members(
    session: AsyncSession, household_id: str, city: str = CITY_NAME
) -> list[ResidentRecord]:
    """Current members of a household, head first then by registration order."""
    q = (
        _joined()
        .where(Resident.household_id == household_id, Resident.status == "resident")
        .order_by(sa.case((Resident.relation == "head", 0), else_=1), Resident.seq)
    )
    return [_from_row(row, city) for row in (await session.execute(q)).all()]


async def count(session: AsyncSession, *, include_gone: bool = True) -> int:
    """How many people the registry holds."""
    q = sa.select(sa.func.count()).select_from(Resident)
    if not include_gone:
        q = q.where(Resident.status == "resident")
    return int((await session.execute(q)).scalar_one())


async def max_seq(session: AsyncSession, *, below: int | None = None) -> int:
    """The highest resident sequence number in use (below ``below`` if given), 0 if none."""
    q = sa.select(sa.func.max(Resident.seq))
    if below is not None:
        q = q.where(Resident.seq < below)
    return int((await session.execute(q)).scalar_one() or 0)


async def district_ids(session: AsyncSession) -> set[str]:
    """The 町字 already recorded."""
    return set((await session.execute(sa.select(District.id))).scalars())


async def add_districts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Record 町字."""
    if rows:
        await session.execute(sa.insert(District), list(rows))


async def add_households(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert households (rows from :func:`household_row`)."""
    if rows:
        await session.execute(sa.insert(Household), list(rows))


async def add_residents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert residents (rows from :func:`resident_row`)."""
    if rows:
        await session.execute(sa.insert(Resident), list(rows))


async def household_exists(session: AsyncSession, household_id: str) -> bool:
    """Whether the household is recorded."""
    q = sa.select(sa.func.count()).select_from(Household).where(Household.id == household_id)
    return bool((await session.execute(q)).scalar_one())


async def expectant_mothers(session: AsyncSession, city: str = CITY_NAME) -> list[ResidentRecord]:
    """Residents with a recorded due date."""
    q = _joined().where(Resident.expecting_due_date.is_not(None), Resident.status == "resident")
    return [_from_row(row, city) for row in (await session.execute(q.order_by(Resident.seq))).all()]


async def clear_expecting(session: AsyncSession, resident_id: str) -> None:
    """The birth is registered: the mother is no longer expecting."""
    await session.execute(
        sa.update(Resident)
        .where(Resident.id == resident_id)
        .values(expecting_due_date=None, hospital_id=None)
    )


async def add_birth_notification(session: AsyncSession, row: dict[str, Any]) -> None:
    """Record a received 出生届."""
    await session.execute(sa.insert(BirthNotification), [row])


async def birth_notification_by_digest(session: AsyncSession, digest: str) -> BirthNotification | None:
    """The notification that presented the certificate with this digest, if any."""
    q = sa.select(BirthNotification).where(BirthNotification.certificate_digest == digest)
    return (await session.execute(q)).scalar_one_or_none()


async def birth_notification(session: AsyncSession, notification_id: str) -> BirthNotification | None:
    """A received 出生届 by id."""
    return await session.get(BirthNotification, notification_id)
