"""The hospital's work: bookings from the demo world, deliveries, and the digital 出生証明書.

No HTTP and no commit here (the caller's unit of work). Queries are small and local, so
they live beside the logic rather than in a separate repository module.
"""

from __future__ import annotations

import hashlib
import os
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.hospital.models import (
    BIRTH_SEALED,
    BirthRecord,
    CertificateIssue,
    Facility,
    HospitalMeta,
    Patient,
    name_birth_index,
)
from tenohira.agencies.membership import get_meta, member_client, set_meta
from tenohira.agencies.synthetic import iter_world, load_world
from tenohira.core.clock import JST
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import FieldError, Problem
from tenohira.core.progress import ProgressFn
from tenohira.credentials import (
    BIRTH_CERTIFICATE_VCT,
    IssuerMetadata,
    generate_key,
    issue,
    jwk_thumbprint,
    key_from_jwk,
    public_jwk,
    publish_issuer,
)
from tenohira.vault import DataShredded, open_vault, seal_legacy

# A paper 出生証明書 does not expire; the credential does, so that a lost one stops working.
# One year covers the 14-day deadline, filings from abroad (3 months) and late filings.
CERTIFICATE_LIFETIME = timedelta(days=365)
SELECTIVELY_DISCLOSABLE = (
    "sex",
    "birth_datetime",
    "birth_place",
    "birth_weight_g",
    "birth_height_cm",
    "gestational_weeks",
    "plurality",
    "mother_name",
    "certifier",
)


@dataclass(frozen=True)
class FacilitySpec:
    id: str
    kind: str
    name_ja: str
    name_en: str
    address: str
    compensation_scheme: bool
    doctors: tuple[str, ...]


# The facilities the demo world's mothers are booked at (tenohira.agencies.synthetic.HOSPITALS).
FACILITIES = (
    FacilitySpec(
        "hospital-tenohira-central",
        "hospital",
        "手のひら市立中央病院",
        "Tenohira City Central Hospital",
        "手のひら市本町一丁目1番1号",
        True,
        ("山田　花子", "高橋　誠", "中村　直美"),
    ),
    FacilitySpec(
        "clinic-sakura-maternity",
        "clinic",
        "さくらレディースクリニック",
        "Sakura Ladies' Clinic",
        "手のひら市桜町二丁目5番8号",
        True,
        ("桜井　恵",),
    ),
)


def aware(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive, in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def issuer_id(facility_id: str) -> str:
    """The credential issuer identifier of a facility."""
    return f"urn:tenohira:hospital:{facility_id}"


def _key_path(settings: Settings, facility_id: str) -> Path:
    return settings.data_dir / "hospital" / "issuers" / f"{facility_id}.key"


def issuer_key(settings: Settings, facility_id: str) -> ec.EllipticCurvePrivateKey:
    """The facility's credential signing key (P-256), created on first use, file mode 0600."""
    path = _key_path(settings, facility_id)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = generate_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC key")
    return key


# --- bootstrap: facilities, keys, bookings -----------------------------------------------------


async def ensure_facilities(session: AsyncSession, settings: Settings) -> None:
    """Record the facilities and publish each issuer's metadata to the hospital trust list.

    Publishing stands for the registration of the facility with the prefecture: a
    municipality trusts the issuers whose metadata is in its ``trust/hospital`` directory.
    """
    known = set((await session.execute(sa.select(Facility.id))).scalars())
    for spec in FACILITIES:
        if spec.id not in known:
            session.add(
                Facility(
                    id=spec.id,
                    kind=spec.kind,
                    name_ja=spec.name_ja,
                    name_en=spec.name_en,
                    address=spec.address,
                    issuer=issuer_id(spec.id),
                    compensation_scheme=spec.compensation_scheme,
                )
            )
        key = issuer_key(settings, spec.id)
        publish_issuer(
            settings.data_dir,
            IssuerMetadata(issuer_id(spec.id), "hospital", spec.name_ja, spec.name_en, (public_jwk(key),)),
        )
    await session.flush()


async def take_bookings(session: AsyncSession, settings: Settings, progress: ProgressFn) -> int:
    """Book the demo world's expectant mothers at their facility; return how many were added.

    The hospital knows its patients from their visits; here, from the synthetic world (never
    from the municipality's registry). Idempotent: resumes after the last household taken in.
    """
    state = load_world(settings.data_dir, settings.seed)
    done = int(await get_meta(session, HospitalMeta, "booked_households") or 0)
    if state.households <= done:
        return 0
    facilities = {f.id for f in FACILITIES}
    seq = int((await session.execute(sa.select(sa.func.max(Patient.seq)))).scalar_one() or 0)
    now = datetime.now(UTC)
    patients: list[Patient] = []
    births: list[BirthRecord] = []
    plans = iter_world(state, start_household=done + 1)
    # patients are numbered in order: create their data keys in one batch
    count = sum(
        1
        for plan in plans
        for person in plan.members
        if person.expecting_due_date is not None and person.hospital_id in facilities
    )
    (await open_vault(get_settings())).ensure_keys(f"P{s:06d}" for s in range(seq + 1, seq + count + 1))
    for plan in plans:
        for person in plan.members:
            if person.expecting_due_date is None or person.hospital_id not in facilities:
                continue
            seq += 1
            patients.append(
                Patient(
                    id=f"P{seq:06d}",
                    seq=seq,
                    facility_id=str(person.hospital_id),
                    name=person.name,
                    name_kana=person.name_kana,
                    birth_date=person.birth_date,
                    created_at=now,
                )
            )
            births.append(
                BirthRecord(
                    id=f"B{seq:06d}",
                    patient_id=f"P{seq:06d}",
                    facility_id=str(person.hospital_id),
                    due_date=person.expecting_due_date,
                    status="expected",
                    plurality=1,
                    created_at=now,
                )
            )
    # no ORM relationships: patients are flushed first so the births' foreign keys hold
    session.add_all(patients)
    await session.flush()
    session.add_all(births)
    added = len(patients)
    await set_meta(session, HospitalMeta, "booked_households", str(state.households))
    await session.flush()
    progress("hospital: bookings", state.households, state.households)
    return added


# --- deliveries ----------------------------------------------------------------------------------


def _delivery(settings: Settings, record: BirthRecord) -> dict[str, Any]:
    """The simulated delivery of a booked birth: deterministic from the seed and the record."""
    rng = random.Random(f"tenohira-birth:{settings.seed}:{record.id}:{record.due_date.isoformat()}")
    # most babies come within the days around the due date: up to ten days early, at most two
    # late — so the story's mother, due three days before the world's reference date (the day of
    # the first start), has always delivered by then, whatever hour the first start is at
    # (``randint(-10, 3)`` drawn and clamped, so that every other draw stays as it was)
    offset = min(rng.randint(-10, 3), 2)
    day = record.due_date + timedelta(days=offset)
    born = datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59), tzinfo=JST)
    spec = next(f for f in FACILITIES if f.id == record.facility_id)
    return {
        "born_at": born,
        "sex": "male" if rng.random() < 0.512 else "female",
        "weight_g": max(1500, min(4800, int(rng.gauss(3020, 400)))),
        "height_cm": round(max(40.0, min(56.0, rng.gauss(49.0, 2.0))), 1),
        "gestational_weeks": 40 + offset // 7,
        "certifier": rng.choice(spec.doctors),
        # 出産費用: around the national average for a normal delivery (about ¥480,000–¥510,000)
        "charges": int(rng.gauss(482_000, 45_000)) // 1000 * 1000,
    }


async def record_deliveries(session: AsyncSession, settings: Settings, now: datetime | None = None) -> int:
    """Record every booked birth whose (simulated) delivery time has passed; return how many."""
    now = now or datetime.now(UTC)
    horizon = (now.astimezone(JST) + timedelta(days=10)).date()  # deliveries can be 10 days early
    # the due date is sealed under the mother's key: filtered here, after opening, not in SQL
    q = sa.select(BirthRecord).where(BirthRecord.status == "expected").order_by(BirthRecord.id)
    expected = list((await session.execute(q)).scalars())
    (await open_vault(get_settings())).ensure_keys((r.patient_id for r in expected), create=False)
    recorded = 0
    for record in expected:
        try:
            if record.due_date > horizon:
                continue
        except DataShredded:
            continue  # the mother was erased: nothing left to deliver
        delivery = _delivery(settings, record)
        if delivery["born_at"] > now:
            continue
        record.status = "born"
        record.born_at = delivery["born_at"].astimezone(UTC)  # stored in UTC on every database
        record.sex = delivery["sex"]
        record.weight_g = delivery["weight_g"]
        record.height_cm = delivery["height_cm"]
        record.gestational_weeks = delivery["gestational_weeks"]
        record.certifier = delivery["certifier"]
        record.charges = delivery["charges"]
        recorded += 1
    await session.flush()
    return recorded


# --- patients by hub code ---------------------------------------------------------------------


def unknown_patient() -> Problem:
    """The person is not a patient here (no detail: the hub never leaks who is known where)."""
    return Problem(
        status=404,
        slug="unknown-patient",
        title="No record of this person at the hospital",
        title_ja="当院にこの方の記録はありません",
    )


async def patient_for(session: AsyncSession, code: str | None, hint: dict[str, Any] | None = None) -> Patient:
    """The patient the hub code names; on first contact, matched once by name and date of birth.

    The hub vouches for the person; the caller (the palm, which read the facts from the
    person's own signing certificate) gives name and date of birth so that the hospital can
    find its record, as a reception desk would with the card. The code is then remembered.
    """
    if not code:
        raise unknown_patient()
    await open_vault(get_settings())  # before any write: its first start writes its catalogue
    found = (await session.execute(sa.select(Patient).where(Patient.hub_code == code))).scalar_one_or_none()
    if found is not None:
        return found
    if not hint or not hint.get("name") or not hint.get("birth_date"):
        raise unknown_patient()
    try:
        birth_date = date.fromisoformat(str(hint["birth_date"]))
    except ValueError as exc:
        raise unknown_patient() from exc
    name = str(hint["name"]).replace(" ", "\u3000")
    q = sa.select(Patient).where(
        Patient.name_birth_index == name_birth_index(name, birth_date),
        # linked meanwhile by a concurrent first contact with the same code: that is a match too
        sa.or_(Patient.hub_code.is_(None), Patient.hub_code == code),
    )
    matches = list((await session.execute(q)).scalars())
    if len(matches) != 1:
        raise unknown_patient()
    if matches[0].hub_code != code:
        matches[0].hub_code = code
        await session.flush()
    return matches[0]


# --- the birth certificate --------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCertificate:
    """What the mother receives: the SD-JWT (with every disclosure) and what it says."""

    credential: str
    issuer: str
    expires_at: datetime
    birth_id: str


def _invalid_key() -> Problem:
    return Problem(
        status=422,
        slug="invalid-holder-key",
        title="The holder key must be a public P-256 JWK",
        title_ja="保有者の鍵（P-256 の公開鍵 JWK）が正しくありません",
        errors=[
            FieldError(
                "holder_jwk", "Expected a public EC P-256 JWK", "P-256 の公開鍵 JWK を指定してください"
            )
        ],
    )


async def issue_birth_certificate(
    session: AsyncSession,
    settings: Settings,
    patient: Patient,
    holder_jwk: dict[str, Any],
    now: datetime | None = None,
) -> list[IssuedCertificate]:
    """出生証明書 for each baby the patient delivered here, bound to the holder's key (cnf).

    Refuses with 409 while the delivery is not recorded yet.
    """
    now = now or datetime.now(UTC)
    try:
        key_from_jwk(holder_jwk)
    except (ValueError, KeyError, TypeError) as exc:
        raise _invalid_key() from exc
    await record_deliveries(session, settings, now)
    births = list(
        (
            await session.execute(
                sa.select(BirthRecord).where(BirthRecord.patient_id == patient.id).order_by(BirthRecord.id)
            )
        ).scalars()
    )
    born = [b for b in births if b.status == "born" and b.born_at is not None]
    if not born:
        raise Problem(
            status=409,
            slug="birth-not-recorded",
            title="No delivery is recorded for this patient yet",
            title_ja="出産の記録がまだありません",
            detail_ja="出生証明書は出産後に発行されます。",
        )
    facility = await session.get(Facility, patient.facility_id)
    assert facility is not None
    key = issuer_key(settings, facility.id)
    out: list[IssuedCertificate] = []
    for order, birth in enumerate(born, start=1):
        assert birth.born_at is not None
        claims: dict[str, Any] = {
            "sex": birth.sex,
            "birth_datetime": aware(birth.born_at).astimezone(JST).isoformat(timespec="minutes"),
            "birth_place": {"type": facility.kind, "name": facility.name_ja, "address": facility.address},
            "birth_weight_g": birth.weight_g,
            "birth_height_cm": birth.height_cm,
            "gestational_weeks": birth.gestational_weeks,
            "plurality": {"count": birth.plurality, "order": order if birth.plurality > 1 else 1},
            "mother_name": patient.name,
            "certifier": {"role": "doctor", "name": birth.certifier, "facility": facility.name_ja},
        }
        sdjwt = issue(
            issuer=facility.issuer,
            key=key,
            vct=BIRTH_CERTIFICATE_VCT,
            claims=claims,
            selectively_disclosable=SELECTIVELY_DISCLOSABLE,
            holder_jwk=holder_jwk,
            lifetime=CERTIFICATE_LIFETIME,
            now=now,
        )
        digest = hashlib.sha256(sdjwt.jwt.encode("ascii")).hexdigest()
        expires = now + CERTIFICATE_LIFETIME
        session.add(
            CertificateIssue(
                birth_id=birth.id,
                holder_key_thumbprint=jwk_thumbprint(holder_jwk),
                digest=digest,
                issued_at=now,
                expires_at=expires,
            )
        )
        out.append(IssuedCertificate(sdjwt.serialize(), facility.issuer, expires, birth.id))
    await session.flush()
    return out


async def birth_summary(session: AsyncSession, patient: Patient) -> list[dict[str, Any]]:
    """The patient's births as facts the insurer's direct payment needs (no personal names)."""
    facility = await session.get(Facility, patient.facility_id)
    assert facility is not None
    rows = (
        await session.execute(sa.select(BirthRecord).where(BirthRecord.patient_id == patient.id))
    ).scalars()
    return [
        {
            "birth_id": b.id,
            "status": b.status,
            "due_date": b.due_date.isoformat(),
            "born_on": aware(b.born_at).astimezone(JST).date().isoformat() if b.born_at else None,
            "facility_id": facility.id,
            "compensation_scheme": facility.compensation_scheme,
            "gestational_weeks": b.gestational_weeks,
        }
        for b in rows
    ]


# --- the lump sum under the direct payment system (直接支払制度) ---------------------------------


async def submit_direct_payment(settings: Settings, birth_ids: list[str]) -> list[str]:
    """Claim the childbirth lump sum from the mother's insurer for these births, through the hub.

    Runs after the unit of work that recorded the births has committed (its own sessions; the
    hub call happens while no write lock is held). Returns the insurer's claim ids.
    """
    log = structlog.get_logger("tenohira.hospital")
    db = get_database(settings)
    claimed: list[str] = []
    for birth_id in birth_ids:
        async with db.session() as session:
            birth = await session.get(BirthRecord, birth_id)
            if birth is None or birth.lump_sum_claim or birth.born_at is None:
                continue
            patient = await session.get(Patient, birth.patient_id)
            facility = await session.get(Facility, birth.facility_id)
            assert patient is not None and facility is not None
            code = patient.hub_code
            body = {
                "action": "claim",
                "birth_date": aware(birth.born_at).astimezone(JST).date().isoformat(),
                "babies": birth.plurality,
                "gestational_weeks": birth.gestational_weeks,
                "facility": facility.name_ja,
                "compensation_scheme": facility.compensation_scheme,
                "charges": birth.charges,
                "person": {"name": patient.name, "birth_date": patient.birth_date.isoformat()},
            }
        if code is None:
            continue
        answer = await member_client(settings, "hospital").call(
            "insurer.lump-sum", subject_code=code, purpose="direct-payment", json=body
        )
        payload = answer.json() if answer.content else {}
        claim_id = payload.get("claim_id") or (payload.get("claim") or {}).get("claim_id")
        if not claim_id:
            log.warning("direct payment claim refused", birth=birth_id, status=answer.status)
            continue
        async with db.session() as session:
            birth = await session.get(BirthRecord, birth_id)
            if birth is not None:
                birth.lump_sum_claim = str(claim_id)
        claimed.append(str(claim_id))
    return claimed


async def seal_legacy_rows(session: AsyncSession) -> int:
    """Seal patients stored before the hospital used the vault (migration ``hospital_0003``):
    their plaintext (kept as bytes by the migration) is encrypted and the blind index filled in."""
    legacy = list((await session.scalars(sa.select(Patient).where(Patient.name_birth_index.is_(None)))).all())
    (await open_vault(get_settings())).ensure_keys(p.id for p in legacy)
    for p in legacy:
        # reading gives the legacy plaintext, assigning seals it (and fills the blind index)
        p.name, p.name_kana, p.birth_date = p.name, p.name_kana, p.birth_date
    await session.flush()
    # birth records stored before hospital_0004: the facts were kept in clear (as bytes now)
    births = await seal_legacy(session, BirthRecord, BIRTH_SEALED)
    return len(legacy) + births
