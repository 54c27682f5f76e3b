"""Health insurer: enrolment, insurance type, dependants, and the childbirth lump sum."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from tenohira.agencies.insurer import service
from tenohira.agencies.insurer.models import InsuredPerson, name_birth_index
from tenohira.agencies.synthetic import WorldState, grow, iter_world, save_world
from tenohira.core import Problem, get_settings
from tenohira.core.progress import no_progress
from tenohira.vault import open_vault

REF = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("birth", "scheme", "weeks", "amount"),
    [
        (date(2023, 4, 1), True, 39, 500_000),  # first day of the ¥500,000 rate
        (date(2023, 3, 31), True, 39, 420_000),  # the day before
        (date(2026, 11, 23), False, 39, 488_000),  # not in the compensation scheme
        (date(2026, 11, 23), True, 21, 488_000),  # before 22 weeks the scheme does not cover the birth
        (date(2022, 6, 1), False, 39, 408_000),
        (date(2019, 6, 1), False, 39, 404_000),
    ],
)
def test_lump_sum_amount_by_date_and_scheme(birth: date, scheme: bool, weeks: int, amount: int) -> None:
    per_baby, source = service.lump_sum_per_baby(birth, scheme, weeks)
    assert per_baby == amount
    assert "施行令" in source


@pytest.fixture
async def insurer_db(migrated_db: Any) -> Any:
    settings = get_settings()
    state = WorldState(seed=settings.seed, reference_date=REF)
    grow(state, 1500)
    save_world(settings.data_dir, state)
    await open_vault(settings)  # names and dates of birth are sealed by the vault
    async with migrated_db.session() as session:
        await service.ensure_insurers(session)
        added = await service.enrol_from_world(session, settings, no_progress)
        assert added == 1500  # everyone is covered by exactly one of the two insurers
        assert await service.enrol_from_world(session, settings, no_progress) == 0
    return migrated_db


async def _by_name(db: Any, name: str, birth: date) -> InsuredPerson:
    async with db.session() as session:
        p = (
            await session.execute(
                sa.select(InsuredPerson).where(
                    InsuredPerson.name_birth_index == name_birth_index(name, birth)
                )
            )
        ).scalar_one()
        session.expunge(p)
        return p


async def test_enrolment_follows_the_households(insurer_db: Any) -> None:
    settings = get_settings()
    state = WorldState(seed=settings.seed, reference_date=REF)
    grow(state, 1500)
    family = iter_world(state)[0].members  # the demo family: both parents employed
    father = await _by_name(insurer_db, family[0].name, family[0].birth_date)
    mother = await _by_name(insurer_db, family[1].name, family[1].birth_date)
    child = await _by_name(insurer_db, family[2].name, family[2].birth_date)
    assert father.role == mother.role == "insured" and father.insurer_id == "tenohira-kenpo"
    assert child.role == "dependant" and child.insured_id == father.id and child.number == father.number
    async with insurer_db.session() as session:
        roles = dict(
            (
                await session.execute(
                    sa.select(InsuredPerson.role, sa.func.count()).group_by(InsuredPerson.role)
                )
            ).all()
        )
        nhi = (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(InsuredPerson)
                .where(InsuredPerson.insurer_id == "tenohira-nhi")
            )
        ).scalar_one()
    assert roles["insured"] > 500 and roles["dependant"] > 100 and nhi > 300


async def test_first_contact_then_insurance_type(insurer_db: Any) -> None:
    settings = get_settings()
    state = WorldState(seed=settings.seed, reference_date=REF)
    grow(state, 10)
    father = iter_world(state)[0].members[0]
    async with insurer_db.session() as session:
        with pytest.raises(Problem):
            await service.person_for(session, "c-1", None)

        async def lookup() -> dict[str, Any]:
            return {"name": father.name, "birth_date": father.birth_date.isoformat()}

        who = await service.person_for(session, "c-1", None, lookup)
        facts = await service.insurance_type(session, who)
        assert facts["insurance"] == "employee" and facts["role"] == "insured"
        assert "number" not in facts and "symbol" not in facts
    async with insurer_db.session() as session:
        assert (await service.person_for(session, "c-1", None)).name == father.name


async def test_adding_a_newborn_dependant(insurer_db: Any) -> None:
    settings = get_settings()
    state = WorldState(seed=settings.seed, reference_date=REF)
    grow(state, 10)
    father_w = iter_world(state)[0].members[0]
    father = await _by_name(insurer_db, father_w.name, father_w.birth_date)
    surname = father.name.split("\u3000")[0]
    new = service.NewDependant(
        name=f"{surname} 陽葵",
        name_kana="テスト ヒマリ",
        birth_date=date(2026, 11, 23),
        sex="female",
        relation="child",
        expected_income=0,
        reason="birth",
    )
    async with insurer_db.session() as session:
        insured = await session.get(InsuredPerson, father.id)
        assert insured is not None
        record, notice = await service.add_dependant(session, insured, new, code="child-code", today=REF)
        assert (
            record.role == "dependant" and record.insured_id == father.id and record.number == father.number
        )
        assert notice["qualified_from"] == "2026-11-23" and notice["late"] is False
        assert notice["deadline"] == "2026-11-28"
        with pytest.raises(Problem) as e:
            await service.add_dependant(session, insured, new, today=REF)
        assert e.value.status == 409
        rich = service.NewDependant(
            name=f"{surname} 一郎",
            name_kana="テスト イチロウ",
            birth_date=date(1990, 1, 1),
            sex="male",
            relation="other",
            expected_income=2_000_000,
            reason="other",
        )
        with pytest.raises(Problem) as e:
            await service.add_dependant(session, insured, rich, today=REF)
        assert e.value.status == 422 and e.value.errors[0].field == "expected_income"
        dependant = await session.get(InsuredPerson, record.id)
        assert dependant is not None
        with pytest.raises(Problem) as e:
            await service.add_dependant(session, dependant, rich, today=REF)
        assert e.value.status == 409


async def test_lump_sum_direct_payment_and_status(insurer_db: Any) -> None:
    settings = get_settings()
    state = WorldState(seed=settings.seed, reference_date=REF)
    grow(state, 10)
    mother_w = iter_world(state)[0].members[1]
    mother = await _by_name(insurer_db, mother_w.name, mother_w.birth_date)
    data = service.LumpSumClaimIn(
        birth_date=date(2026, 11, 20),
        babies=1,
        gestational_weeks=39,
        facility="手のひら市立中央病院",
        compensation_scheme=True,
        charges=468_000,
    )
    async with insurer_db.session() as session:
        m = await session.get(InsuredPerson, mother.id)
        assert m is not None
        claim = await service.claim_lump_sum(
            session, m, data, claimed_by="hospital", direct_payment=True, today=REF
        )
        assert (claim.amount, claim.to_hospital, claim.to_insured) == (500_000, 468_000, 32_000)
        assert claim.status == "approved" and claim.payment_due == date(2026, 12, 31)
        with pytest.raises(Problem) as e:
            await service.claim_lump_sum(session, m, data, claimed_by="palm", direct_payment=False, today=REF)
        assert e.value.status == 409
        views = [service.claim_view(c) for c in await service.claims_of(session, m)]
        assert views[0]["to_insured"] == 32_000
        twins = service.LumpSumClaimIn(
            birth_date=date(2026, 11, 1),
            babies=2,
            gestational_weeks=36,
            facility="x",
            compensation_scheme=True,
            charges=1_200_000,
        )
        both = await service.claim_lump_sum(
            session, m, twins, claimed_by="hospital", direct_payment=True, today=REF
        )
        assert (both.amount, both.to_hospital, both.to_insured) == (1_000_000, 1_000_000, 0)
        early = service.LumpSumClaimIn(
            birth_date=date(2026, 10, 1),
            babies=1,
            gestational_weeks=12,
            facility="x",
            compensation_scheme=True,
            charges=None,
        )
        with pytest.raises(Problem) as e:
            await service.claim_lump_sum(
                session, m, early, claimed_by="palm", direct_payment=False, today=REF
            )
        assert e.value.errors[0].field == "gestational_weeks"
