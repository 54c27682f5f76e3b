"""Hospital: bookings from the demo world, deliveries, and the 出生証明書 as an SD-JWT VC."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tenohira.agencies.hospital import service
from tenohira.agencies.hospital.models import BirthRecord, Patient
from tenohira.agencies.synthetic import WorldState, grow, save_world
from tenohira.core import Problem, get_settings
from tenohira.core.progress import no_progress
from tenohira.credentials import (
    BIRTH_CERTIFICATE_VCT,
    CredentialRejected,
    b64url_decode,
    generate_key,
    load_trust_list,
    present,
    public_jwk,
    split,
    verify,
)
from tenohira.vault import open_vault

REF = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture
async def hospital_db(migrated_db: Any) -> Any:
    settings = get_settings()
    state = WorldState(seed=settings.seed, reference_date=REF)
    grow(state, 2000)
    save_world(settings.data_dir, state)
    await open_vault(settings)  # patients' names and dates of birth are sealed by the vault
    async with migrated_db.session() as session:
        await service.ensure_facilities(session, settings)
        added = await service.take_bookings(session, settings, no_progress)
        assert added >= 5
        assert await service.take_bookings(session, settings, no_progress) == 0  # idempotent
    return migrated_db


async def _demo_mother(db: Any) -> Patient:
    async with db.session() as session:
        first = (await session.execute(sa.select(Patient).order_by(Patient.seq).limit(1))).scalar_one()
        session.expunge(first)
        return first


async def test_facilities_are_published_to_the_trust_list(hospital_db: Any) -> None:
    trust = load_trust_list(get_settings().data_dir, "hospital")
    assert set(trust.issuers) == {service.issuer_id(f.id) for f in service.FACILITIES}


async def test_deliveries_are_recorded_once_their_time_has_passed(hospital_db: Any) -> None:
    settings = get_settings()
    async with hospital_db.session() as session:
        recorded = await service.record_deliveries(session, settings, NOW)
        assert recorded >= 1
        assert await service.record_deliveries(session, settings, NOW) == 0
        born = (
            (await session.execute(sa.select(BirthRecord).where(BirthRecord.status == "born")))
            .scalars()
            .all()
        )
        for b in born:
            assert b.born_at is not None and service.aware(b.born_at) <= NOW
            assert b.weight_g and 1500 <= b.weight_g <= 4800
        # the due date is sealed under the mother's key: compared after opening, not in SQL
        every = (await session.execute(sa.select(BirthRecord))).scalars().all()
        future = [b for b in every if b.due_date > REF + timedelta(days=20)]
        assert future and all(b.status == "expected" for b in future)


async def test_first_contact_links_the_code_then_the_code_alone_suffices(hospital_db: Any) -> None:
    mother = await _demo_mother(hospital_db)
    async with hospital_db.session() as session:
        with pytest.raises(Problem):
            await service.patient_for(session, "code-1", None)
        with pytest.raises(Problem):
            await service.patient_for(session, "code-1", {"name": mother.name, "birth_date": "1990-01-01"})
        hint = {"name": mother.name.replace("\u3000", " "), "birth_date": mother.birth_date.isoformat()}
        found = await service.patient_for(session, "code-1", hint)
        assert found.id == mother.id
    async with hospital_db.session() as session:
        assert (await service.patient_for(session, "code-1", None)).id == mother.id
        # the record is linked: another code cannot take it over with the same facts
        with pytest.raises(Problem):
            await service.patient_for(session, "code-2", hint)


async def test_birth_certificate_is_a_holder_bound_sd_jwt_vc(hospital_db: Any) -> None:
    settings = get_settings()
    mother = await _demo_mother(hospital_db)
    holder = generate_key()
    async with hospital_db.session() as session:
        patient = await session.get(Patient, mother.id)
        assert patient is not None
        issued = await service.issue_birth_certificate(session, settings, patient, public_jwk(holder), NOW)
    assert len(issued) == 1
    jwt, disclosures, _ = split(issued[0].credential)
    header = json.loads(b64url_decode(jwt.split(".")[0]))
    payload = json.loads(b64url_decode(jwt.split(".")[1]))
    assert header["alg"] == "ES256" and header["typ"] == "dc+sd-jwt"
    assert payload["vct"] == BIRTH_CERTIFICATE_VCT and payload["cnf"]["jwk"] == public_jwk(holder)
    assert payload["exp"] > payload["iat"]
    assert not set(service.SELECTIVELY_DISCLOSABLE) & set(payload)  # all selectively disclosable
    assert len(disclosures) == len(service.SELECTIVELY_DISCLOSABLE)

    trust = load_trust_list(settings.data_dir, "hospital").keys()
    pres = present(issued[0].credential, holder_key=holder, audience="urn:test:aud", nonce="n1", now=NOW)
    result = verify(
        pres, issuers=trust, audience="urn:test:aud", nonce="n1", now=NOW, expected_vct=BIRTH_CERTIFICATE_VCT
    )
    assert result.claims["mother_name"] == mother.name
    assert result.claims["birth_place"]["name"] == "手のひら市立中央病院"
    assert result.claims["certifier"]["role"] == "doctor"
    assert set(result.claims) >= {"sex", "birth_datetime", "birth_weight_g"}
    # presented by someone who does not hold the key: refused
    thief = present(
        issued[0].credential, holder_key=generate_key(), audience="urn:test:aud", nonce="n1", now=NOW
    )
    with pytest.raises(CredentialRejected):
        verify(thief, issuers=trust, audience="urn:test:aud", nonce="n1", now=NOW)


async def test_no_certificate_before_the_birth_or_for_a_bad_key(hospital_db: Any) -> None:
    settings = get_settings()
    async with hospital_db.session() as session:
        births = (await session.execute(sa.select(BirthRecord).order_by(BirthRecord.id))).scalars().all()
        late = next(b for b in births if b.due_date > REF + timedelta(days=30))
        later = await session.get(Patient, late.patient_id)
        assert later is not None
        with pytest.raises(Problem) as e:
            await service.issue_birth_certificate(session, settings, later, public_jwk(generate_key()), NOW)
        assert e.value.status == 409
        with pytest.raises(Problem) as e:
            await service.issue_birth_certificate(session, settings, later, {"kty": "RSA", "n": "x"}, NOW)
        assert e.value.status == 422


def test_the_story_mother_has_delivered_by_the_first_start_whatever_the_day_and_hour() -> None:
    """The story's mother is due three days before the world's reference date (the first start's
    day in Japan); her simulated delivery must lie before that day begins, for every reference
    date — a delivery drawn on the reference day itself failed the story until its hour came."""
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from tenohira.agencies.synthetic import generate_household

    settings = get_settings()
    jst = ZoneInfo("Asia/Tokyo")
    start = date(2026, 1, 1)
    for day in range(0, 3 * 365):
        reference = start + timedelta(days=day)
        plan = generate_household(settings.seed, 1, 1, reference)
        mother = next(p for p in plan.members if p.expecting_due_date is not None)
        assert mother.expecting_due_date == reference - timedelta(days=3)
        for record_id in ("B000001", "B000002", "B000003"):
            record = SimpleNamespace(
                id=record_id, due_date=mother.expecting_due_date, facility_id=service.FACILITIES[0].id
            )
            born = service._delivery(settings, record)["born_at"]  # type: ignore[arg-type]
            assert born < datetime(reference.year, reference.month, reference.day, tzinfo=jst), (
                reference,
                record_id,
            )
