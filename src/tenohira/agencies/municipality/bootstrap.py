"""First-start work of agencies.municipality (idempotent): the city's 町字 and its residents."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from tenohira.agencies.municipality import repository
from tenohira.agencies.municipality.intake_models import ReceivedApplication
from tenohira.agencies.synthetic import (
    DISTRICTS,
    HouseholdPlan,
    WorldState,
    grow,
    load_world,
    save_world,
    today_jst,
)
from tenohira.core.cities import CityNotFound, city
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.vault import seal_legacy

log = structlog.get_logger("tenohira.municipality")

# Residents registered by notifications (births) are numbered from here, so that growing the
# synthetic population later never collides with them.
REGISTERED_SEQ_BASE = 5_000_000
_CHUNK_HOUSEHOLDS = 2_000


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Record the city's 町字 and seed ``settings.demo_residents`` residents on first start."""
    # rows written before the registry used the vault (migration municipality_0003) get encrypted
    async with get_database(settings).session() as session:
        sealed = await repository.encrypt_legacy_rows(session)
        # received applications: the filed document, its proof (the signer's certificate), the answer
        filed = ["document", "manifest", "signature", "answer"]
        sealed += await seal_legacy(session, ReceivedApplication, filed)
    if sealed:
        log.info("encrypted residents stored before the vault", residents=sealed)
    await seed_population(settings, settings.demo_residents, progress)


def _city_districts(settings: Settings) -> tuple[tuple[str, str, str, str], ...]:
    """The city's address list (core/cities.toml), or the demo city's when it gives none."""
    try:
        own = city(settings, settings.municipality_code).districts
    except CityNotFound:
        own = ()
    return own or tuple((code, name, kana, postal) for code, name, kana, postal, _ in DISTRICTS)


def _district_code(settings: Settings, world_code: str) -> str:
    """The city's 町字 code for a district of the synthetic world (which draws from the demo
    city's list): the city's own list, in the same order, wrapping round."""
    own = _city_districts(settings)
    index = next((i for i, d in enumerate(DISTRICTS) if d[0] == world_code), 0)
    return own[index % len(own)][0]


def district_id(settings: Settings, suffix: str) -> str:
    """The 町字ID of a district: local government code + the 7-digit 町字 code."""
    return f"{settings.municipality_code}{suffix}"


async def _ensure_districts(settings: Settings) -> None:
    db = get_database(settings)
    async with db.session() as session:
        known = await repository.district_ids(session)
        rows = [
            {"id": district_id(settings, code), "name": name, "name_kana": kana, "postal_code": postal}
            for code, name, kana, postal in _city_districts(settings)
            if district_id(settings, code) not in known
        ]
        await repository.add_districts(session, rows)


def _rows(
    settings: Settings, plans: list[HouseholdPlan], now: datetime
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    households: list[dict[str, object]] = []
    residents: list[dict[str, object]] = []
    for plan in plans:
        head = plan.members[0].resident_id if plan.members else None
        households.append(
            repository.household_row(
                id=plan.household_id,
                seq=plan.seq,
                district_id=district_id(settings, _district_code(settings, plan.district_code)),
                address_line=plan.address_line,
                head_resident_id=head,
                created_at=now,
            )
        )
        for p in plan.members:
            residents.append(
                repository.resident_row(
                    id=p.resident_id,
                    seq=p.seq,
                    household_id=plan.household_id,
                    relation=p.relation,
                    name=p.name,
                    name_kana=p.name_kana,
                    birth_date=p.birth_date,
                    sex=p.sex,
                    individual_number=p.individual_number,
                    insurance=p.insurance,
                    employment_insured=p.employment_insured,
                    annual_income=p.annual_income,
                    expecting_due_date=p.expecting_due_date,
                    hospital_id=p.hospital_id,
                    moved_in=p.moved_in or p.birth_date,
                    created_at=now,
                )
            )
    return households, residents


async def seed_population(settings: Settings, residents: int, progress: ProgressFn) -> int:
    """Grow the demo population to ``residents``; return how many were added.

    Deterministic from ``settings.seed`` (on a fresh registry) and the world's reference
    date, kept in ``data_dir/demo-world.json``. Households are inserted in bulk, a chunk per
    transaction, so an interrupted run resumes where it stopped.
    """
    await _ensure_districts(settings)
    db = get_database(settings)
    async with db.session() as session:
        existing = await repository.max_seq(session, below=REGISTERED_SEQ_BASE)
    state = load_world(settings.data_dir, settings.seed)
    if existing == 0:
        # A fresh registry: a fresh world with the configured seed, dated today.
        state = WorldState(seed=settings.seed, reference_date=today_jst())
    elif state.residents < existing:
        # The registry is ahead of the world file (an interrupted run): catch the world up.
        grow(state, existing)
    elif state.residents > existing:
        log.warning(
            "world file ahead of the registry; rebuilding it from the registry",
            world=state.residents,
            registry=existing,
        )
        state = WorldState(seed=state.seed, reference_date=state.reference_date)
        grow(state, existing)
    if existing >= residents:
        save_world(settings.data_dir, state)
        return 0
    plans = grow(state, residents)
    total = sum(len(p.members) for p in plans)
    description = f"seeding {settings.municipality_name_ja} residents"
    done = 0
    progress(description, 0, total)
    now = datetime.now(UTC)
    for start in range(0, len(plans), _CHUNK_HOUSEHOLDS):
        chunk = plans[start : start + _CHUNK_HOUSEHOLDS]
        households, people = _rows(settings, chunk, now)
        async with db.session() as session:
            await repository.add_households(session, households)
            await repository.add_residents(session, people)
        done += len(people)
        progress(description, done, total)
    save_world(settings.data_dir, state)
    log.info("demo population seeded", added=total, residents=state.residents)
    return total
