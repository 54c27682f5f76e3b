"""Every query of the resident registry.

Personal fields (name, reading, date of birth, individual number, address line) are
turned into rows only by :func:`resident_row` / :func:`household_row` and back only by
:func:`to_record`: encryption at rest (vault) is retrofitted here and nowhere else.

At rest they are vault ciphertexts: :func:`seal_resident` / :func:`seal_household` encrypt a row
on its way in (:func:`add_residents`, :func:`add_households`), :func:`to_record` decrypts. Each
resident's fields are under the resident's own data key (shredding one erases only them); the
address line is under the household's key. Exact-match lookups use blind indexes
(:func:`by_individual_number`, :func:`by_name_and_birth`). Any new write of a personal field
must go through :func:`seal_resident` / :func:`seal_household`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.municipality.intake_models import ReceivedApplication
from tenohira.agencies.municipality.models import (
    BirthNotification,
    District,
    Household,
    HubCode,
    MoveOutFacts,
    Resident,
)
from tenohira.core.config import get_settings
from tenohira.vault import DataShredded, Vault, open_vault, opened_vault

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


async def _vault() -> Vault:
    return await open_vault(get_settings())


def name_birth_index(vault: Vault, name: str, birth_date: date) -> str:
    """The blind index of name + date of birth (the usual way a counter finds a person)."""
    return vault.blind_index("name_birth", f"{name}|{birth_date.isoformat()}")


SEALED_RESIDENT_FIELDS = (
    "name",
    "name_kana",
    "individual_number",
    "birth_date",
    "moved_in",
    "expecting_due_date",
)


def seal_resident(vault: Vault, row: dict[str, Any]) -> dict[str, Any]:
    """A resident row with its personal fields encrypted and its blind indexes added."""
    rid = row["id"]
    sealed = dict(row)
    for field in ("name", "name_kana", "individual_number"):
        sealed[field] = vault.encrypt(rid, rid, field, row[field])
    for field in ("birth_date", "moved_in", "expecting_due_date"):
        value = row[field]
        sealed[field] = None if value is None else vault.encrypt(rid, rid, field, value.isoformat())
    sealed["individual_number_index"] = vault.blind_index("individual_number", row["individual_number"])
    sealed["name_birth_index"] = name_birth_index(vault, row["name"], row["birth_date"])
    return sealed


def seal_household(vault: Vault, row: dict[str, Any]) -> dict[str, Any]:
    """A household row with its address line encrypted (under the household's key)."""
    hid = row["id"]
    return {**row, "address_line": vault.encrypt(hid, hid, "address_line", row["address_line"])}


def to_record(
    r: Resident, h: Household, d: District, city: str, vault: Vault | None = None
) -> ResidentRecord:
    """A registry row as a record (the one place personal fields are read)."""
    v = vault or opened_vault(get_settings())
    return ResidentRecord(
        id=r.id,
        household_id=r.household_id,
        name=v.decrypt_text(r.id, r.id, "name", r.name),
        name_kana=v.decrypt_text(r.id, r.id, "name_kana", r.name_kana),
        birth_date=date.fromisoformat(v.decrypt_text(r.id, r.id, "birth_date", r.birth_date)),
        sex="female" if r.sex == "female" else "male",
        address=f"{city}{d.name}{v.decrypt_text(h.id, h.id, 'address_line', h.address_line)}",
        district=d.name,
        district_id=d.id,
        postal_code=d.postal_code,
        individual_number=v.decrypt_text(r.id, r.id, "individual_number", r.individual_number),
        insurance="employee" if r.insurance == "employee" else "nhi",
        employment_insured=r.employment_insured,
        annual_income=r.annual_income,
        relation=r.relation,
        expecting_due_date=(
            None
            if r.expecting_due_date is None
            else date.fromisoformat(v.decrypt_text(r.id, r.id, "expecting_due_date", r.expecting_due_date))
        ),
        hospital_id=r.hospital_id,
        moved_in=date.fromisoformat(v.decrypt_text(r.id, r.id, "moved_in", r.moved_in)),
        status=r.status,
        head_of_household_id=h.head_resident_id,
    )


CITY_NAME = "手のひら市"


def _from_row(row: sa.Row[Resident, Household, District], city: str, vault: Vault) -> ResidentRecord:
    return to_record(row[0], row[1], row[2], city, vault)


async def _records(rows: Sequence[sa.Row[Resident, Household, District]], city: str) -> list[ResidentRecord]:
    """Decrypt rows, loading their keys in one go; residents whose data was shredded are left out."""
    vault = await _vault()
    vault.ensure_keys([p for row in rows for p in (row[0].id, row[1].id)], create=False)
    records: list[ResidentRecord] = []
    for row in rows:
        try:
            records.append(_from_row(row, city, vault))
        except DataShredded:
            continue
    return records


def _joined() -> sa.Select[Resident, Household, District]:
    return (
        sa.select(Resident, Household, District)
        .join(Household, Resident.household_id == Household.id)
        .join(District, Household.district_id == District.id)
    )


async def get(session: AsyncSession, resident_id: str, city: str = CITY_NAME) -> ResidentRecord | None:
    """The resident with ``resident_id``, or None."""
    row = (await session.execute(_joined().where(Resident.id == resident_id))).first()
    return _from_row(row, city, await _vault()) if row else None


async def by_individual_number(
    session: AsyncSession, number: str, city: str = CITY_NAME
) -> ResidentRecord | None:
    """The resident with this 個人番号, found through its blind index (no plaintext is searched)."""
    index = (await _vault()).blind_index("individual_number", number)
    row = (await session.execute(_joined().where(Resident.individual_number_index == index))).first()
    return _from_row(row, city, await _vault()) if row else None


async def by_name_and_birth(
    session: AsyncSession, name: str, birth_date: date, city: str = CITY_NAME
) -> list[ResidentRecord]:
    """Residents with exactly this name (spacing and width normalised) and date of birth."""
    index = name_birth_index(await _vault(), name, birth_date)
    q = _joined().where(Resident.name_birth_index == index).order_by(Resident.seq)
    return await _records((await session.execute(q)).all(), city)


async def page(
    session: AsyncSession, *, limit: int, offset: int, city: str = CITY_NAME, include_gone: bool = False
) -> list[ResidentRecord]:
    """Residents in registry order."""
    q = _joined().order_by(Resident.seq).limit(limit).offset(offset)
    if not include_gone:
        q = q.where(Resident.status == "resident")
    return await _records((await session.execute(q)).all(), city)


async def household_members(
    session: AsyncSession, household_id: str, city: str = CITY_NAME
) -> list[ResidentRecord]:
    """Current members of a household, head first then by registration order."""
    q = (
        _joined()
        .where(Resident.household_id == household_id, Resident.status == "resident")
        .order_by(sa.case((Resident.relation == "head", 0), else_=1), Resident.seq)
    )
    return await _records((await session.execute(q)).all(), city)


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
    """Bulk insert households (rows from :func:`household_row`), address lines encrypted."""
    if rows:
        vault = await _vault()
        vault.ensure_keys(r["id"] for r in rows)
        await session.execute(sa.insert(Household), [seal_household(vault, r) for r in rows])


async def add_residents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert residents (rows from :func:`resident_row`), personal fields encrypted."""
    if rows:
        vault = await _vault()
        vault.ensure_keys(r["id"] for r in rows)
        await session.execute(sa.insert(Resident), [seal_resident(vault, r) for r in rows])


async def encrypt_legacy_rows(session: AsyncSession) -> int:
    """Encrypt rows written before the registry used the vault (plaintext bytes, no blind index).

    Runs at start-up after migration ``municipality_0003``; returns how many residents it sealed.
    """
    q = sa.select(Resident).where(Resident.individual_number_index.is_(None))
    legacy = list((await session.scalars(q)).all())
    if not legacy:
        return 0
    vault = await _vault()

    def text(value: bytes | str) -> str:
        return value.decode() if isinstance(value, bytes) else value

    for r in legacy:
        plain = {
            "id": r.id,
            "name": text(r.name),
            "name_kana": text(r.name_kana),
            "individual_number": text(r.individual_number),
            "birth_date": date.fromisoformat(text(r.birth_date)),
            "moved_in": date.fromisoformat(text(r.moved_in)),
            "expecting_due_date": (
                None if r.expecting_due_date is None else date.fromisoformat(text(r.expecting_due_date))
            ),
        }
        sealed = seal_resident(vault, plain)
        for field in SEALED_RESIDENT_FIELDS:
            setattr(r, field, sealed[field])
        r.individual_number_index = sealed["individual_number_index"]
        r.name_birth_index = sealed["name_birth_index"]
    for h in (await session.scalars(sa.select(Household))).all():
        if not isinstance(h.address_line, bytes) or h.address_line[:1] != b"\x01":
            sealed_h = seal_household(vault, {"id": h.id, "address_line": text(h.address_line)})
            h.address_line = sealed_h["address_line"]
    return len(legacy)


async def household_exists(session: AsyncSession, household_id: str) -> bool:
    """Whether the household is recorded."""
    q = sa.select(sa.func.count()).select_from(Household).where(Household.id == household_id)
    return bool((await session.execute(q)).scalar_one())


async def expectant_mothers(session: AsyncSession, city: str = CITY_NAME) -> list[ResidentRecord]:
    """Residents with a recorded due date."""
    q = _joined().where(Resident.expecting_due_date.is_not(None), Resident.status == "resident")
    return await _records((await session.execute(q.order_by(Resident.seq))).all(), city)


async def clear_expecting(session: AsyncSession, resident_id: str) -> None:
    """The birth is registered: the mother is no longer expecting."""
    await session.execute(
        sa.update(Resident)
        .where(Resident.id == resident_id)
        .values(expecting_due_date=None, hospital_id=None)
    )


async def add_birth_notification(session: AsyncSession, row: dict[str, Any]) -> None:
    """Record a received 出生届; its claims (names, birth time) are sealed with the child's key."""
    sealed = dict(row)
    if row.get("claims") is not None:
        vault = await _vault()
        plain = json.dumps(row["claims"], ensure_ascii=False)
        ct = vault.encrypt(row["child_resident_id"], row["id"], "claims", plain)
        sealed["claims"] = {"vault": 1, "ciphertext": base64.b64encode(ct).decode()}
    await session.execute(sa.insert(BirthNotification), [sealed])


def notification_claims(notification: BirthNotification, vault: Vault | None = None) -> dict[str, Any]:
    """The claims of a received 出生届, decrypted (the stored column holds only a vault ciphertext)."""
    stored = notification.claims
    if "vault" not in stored:
        return dict(stored)
    v = vault or opened_vault(get_settings())
    ct = base64.b64decode(str(stored["ciphertext"]))
    plain = v.decrypt_text(notification.child_resident_id, notification.id, "claims", ct)
    return dict(json.loads(plain))


async def birth_notification_by_digest(session: AsyncSession, digest: str) -> BirthNotification | None:
    """The notification that presented the certificate with this digest, if any."""
    q = sa.select(BirthNotification).where(BirthNotification.certificate_digest == digest)
    return (await session.execute(q)).scalar_one_or_none()


async def birth_notification(session: AsyncSession, notification_id: str) -> BirthNotification | None:
    """A received 出生届 by id."""
    return await session.get(BirthNotification, notification_id)


async def hub_code_of(session: AsyncSession, resident_id: str) -> str | None:
    """The hub code registered for a resident, if any."""
    q = sa.select(HubCode.code).where(HubCode.resident_id == resident_id)
    return (await session.execute(q)).scalar_one_or_none()


async def resident_of_code(session: AsyncSession, code: str) -> str | None:
    """The resident a hub code names, if it is ours."""
    q = sa.select(HubCode.resident_id).where(HubCode.code == code)
    return (await session.execute(q)).scalar_one_or_none()


async def add_hub_code(session: AsyncSession, resident_id: str, code: str, at: datetime) -> None:
    """Remember the hub code of a resident."""
    await session.execute(
        sa.insert(HubCode), [{"resident_id": resident_id, "code": code, "registered_at": at}]
    )


# --- move-out facts received from another city (転出証明情報) ---------------------------------


def _facts_person(code: str) -> str:
    # not a resident yet: the facts are sealed under a key of this city's hub code for the person
    return f"arriving:{code}"


async def move_out_facts(session: AsyncSession, code: str) -> dict[str, Any] | None:
    """The move-out facts another city sent about the person this city's ``code`` names."""
    row = await session.get(MoveOutFacts, code)
    if row is None:
        return None
    vault = await _vault()
    return dict(json.loads(vault.decrypt_text(_facts_person(code), code, "facts", row.facts)))


async def add_move_out_facts(
    session: AsyncSession,
    code: str,
    *,
    from_municipality: str,
    district_id: str,
    planned_move_date: date,
    facts: dict[str, Any],
    received_at: datetime,
) -> None:
    """Keep the move-out facts about ``code`` (sealed), flushed with the unit of work."""
    vault = await _vault()
    sealed = vault.encrypt(_facts_person(code), code, "facts", json.dumps(facts, ensure_ascii=False))
    session.add(
        MoveOutFacts(
            code=code,
            from_municipality=from_municipality,
            district_id=district_id,
            planned_move_date=planned_move_date,
            facts=sealed,
            received_at=received_at,
        )
    )
    await session.flush()


async def move_out_on_file(session: AsyncSession, resident_id: str) -> str | None:
    """The reference of the resident's accepted 転出届, if one is on file."""
    q = sa.select(ReceivedApplication.id).where(
        ReceivedApplication.resident_id == resident_id,
        ReceivedApplication.procedure == "move_out",
        ReceivedApplication.status == "accepted",
    )
    return (await session.execute(q.limit(1))).scalar_one_or_none()
