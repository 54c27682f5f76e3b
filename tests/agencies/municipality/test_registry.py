"""The demo municipality's resident registry: the synthetic world and its seeding."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date
from typing import Any

import kanji_lists  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner

from tenohira.agencies.municipality import get_resident, household_of, list_residents
from tenohira.agencies.municipality.bootstrap import seed_population
from tenohira.agencies.synthetic import (
    WorldState,
    generate_household,
    grow,
    individual_number_for,
    iter_world,
    load_world,
)
from tenohira.agencies.synthetic.names import DISTRICTS, FEMALE_NAMES, MALE_NAMES, SURNAMES
from tenohira.core import get_settings, validate_individual_number
from tenohira.core.progress import no_progress

NAME_KANJI = set(kanji_lists.JOYO) | set(kanji_lists.JINMEIYO)
REF = date(2026, 11, 26)


def _kanji(text: str) -> set[str]:
    return {c for c in text if "\u4e00" <= c <= "\u9fff"}


def test_every_name_kanji_is_joyo_or_jinmeiyo() -> None:
    names = [s for s, _ in SURNAMES]
    for pools in (MALE_NAMES, FEMALE_NAMES):
        names += [g for pool in pools.values() for g, _ in pool]
    bad = {c for n in names for c in _kanji(n)} - NAME_KANJI
    assert not bad, f"not 常用/人名用: {sorted(bad)}"
    # readings are kana only
    for _, reading in [*SURNAMES, *(x for p in MALE_NAMES.values() for x in p)]:
        assert all("ぁ" <= c <= "ゖ" or c == "ー" for c in reading), reading
    assert all(_kanji(d[1]) <= NAME_KANJI | {"丘", "丁", "目"} for d in DISTRICTS)


def test_households_are_deterministic_and_independent_of_growth_steps() -> None:
    a = generate_household(7, 42, 100, REF)
    b = generate_household(7, 42, 100, REF)
    assert a == b
    assert generate_household(8, 42, 100, REF) != a

    once = WorldState(seed=7, reference_date=REF)
    grow(once, 500)
    stepwise = WorldState(seed=7, reference_date=REF)
    grow(stepwise, 123)
    grow(stepwise, 500)
    ids_once = [(m.resident_id, m.name) for h in iter_world(once) for m in h.members]
    ids_step = [(m.resident_id, m.name) for h in iter_world(stepwise) for m in h.members]
    assert len(ids_once) == len(ids_step) == 500
    # the same people up to the household cut at 123, and the same number overall
    assert ids_once[:120] == ids_step[:120]


def test_population_is_plausible() -> None:
    state = WorldState(seed=20261126, reference_date=REF)
    plans = grow(state, 5000)
    people = [m for h in plans for m in h.members]
    assert len(people) == 5000 == state.residents
    numbers = [p.individual_number for p in people]
    assert len(set(numbers)) == len(numbers)
    for n in numbers[:500]:
        assert validate_individual_number(n) == n
    for h in plans:
        assert h.members[0].relation == "head"
        assert len({m.surname for m in h.members}) == 1
        for m in h.members:
            if m.relation == "child":
                assert m.birth_date > h.members[0].birth_date
    ages = Counter(min((REF.year - p.birth_date.year) // 20, 4) for p in people)
    # every age band is populated and the elderly are many, as in Japan
    assert all(ages[b] > 300 for b in range(5))
    assert sum(1 for p in people if REF.year - p.birth_date.year >= 65) > 0.2 * len(people)
    insurance = Counter(p.insurance for p in people)
    assert insurance["employee"] > 1000 and insurance["nhi"] > 1000
    expecting = [p for p in people if p.expecting_due_date]
    assert 10 <= len(expecting) <= 150
    assert all(p.sex == "female" and p.hospital_id for p in expecting)
    # the demo family of the birth story
    first = plans[0].members
    assert [m.relation for m in first] == ["head", "spouse", "child"]
    assert first[1].expecting_due_date == date(2026, 11, 23)
    assert first[1].hospital_id == "hospital-tenohira-central"


def test_individual_numbers_are_unique_for_a_large_range() -> None:
    numbers = {individual_number_for(i) for i in range(1, 200_001)}
    assert len(numbers) == 200_000


async def test_seed_population_and_reads(migrated_db: Any) -> None:
    settings = get_settings()
    started = time.perf_counter()
    added = await seed_population(settings, 1000, no_progress)
    elapsed = time.perf_counter() - started
    assert added == 1000
    assert elapsed < 20, f"seeding 1,000 residents took {elapsed:.1f}s"
    # idempotent: growing to the same size adds nothing
    assert await seed_population(settings, 1000, no_progress) == 0
    assert await seed_population(settings, 1010, no_progress) == 10

    async with migrated_db.session() as session:
        first = await get_resident(session, "R0000001")
        assert first is not None
        assert first.relation == "head"
        assert first.address.startswith("手のひら市")
        assert first.district_id.startswith("990019")
        validate_individual_number(first.individual_number)
        assert await get_resident(session, "R9999999") is None
        page1 = await list_residents(session, limit=10)
        page2 = await list_residents(session, limit=10, offset=10)
        assert [r.id for r in page1] == [f"R{i:07d}" for i in range(1, 11)]
        assert page2[0].id == "R0000011"
        family = await household_of(session, first.household_id)
        assert [m.relation for m in family] == ["head", "spouse", "child"]
        assert family[1].expecting_due_date is not None

    state = load_world(settings.data_dir, settings.seed)
    assert state.residents == 1010


async def test_seed_resumes_when_world_file_lags(migrated_db: Any) -> None:
    settings = get_settings()
    await seed_population(settings, 300, no_progress)
    (settings.data_dir / "demo-world.json").unlink()
    # the registry is ahead of a missing world file: it is rebuilt, nothing is duplicated
    assert await seed_population(settings, 320, no_progress) == 20
    async with migrated_db.session() as session:
        rows = await list_residents(session, limit=1000)
    assert len(rows) == 320
    assert len({r.individual_number for r in rows}) == 320


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_residents_list_cli(database_url: str) -> None:
    import asyncio

    from tenohira.agencies.municipality.cli import app
    from tenohira.core import migrate
    from tenohira.core.db import dispose_databases

    async def prepare() -> None:
        await migrate(database_url)
        await seed_population(get_settings(), 50, no_progress)
        await dispose_databases()

    asyncio.run(prepare())
    result = CliRunner().invoke(app, ["list", "--json", "--limit", "5"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 5
    assert set(rows[0]) >= {"id", "name", "name_kana", "birth_date", "household_id"}
    assert "individual_number" not in rows[0]
    assert "\u3000" in rows[0]["name"]
