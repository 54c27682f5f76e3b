"""Municipality services: basic facts, household, resident tax, and the birth notification intake."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tenohira.agencies.municipality import repository, service
from tenohira.agencies.municipality.bootstrap import seed_population
from tenohira.core import Problem, get_settings, validate_individual_number
from tenohira.core.names import check_given_name, check_reading
from tenohira.core.progress import no_progress
from tenohira.credentials import (
    BIRTH_CERTIFICATE_VCT,
    CredentialRejected,
    IssuerMetadata,
    generate_key,
    issue,
    present,
    public_jwk,
    publish_issuer,
)

HOSPITAL = "urn:tenohira:hospital:hospital-tenohira-central"


@pytest.mark.parametrize("name", ["陽葵", "さくら", "ユウト", "奈々", "琉偉", "翔", "ひなた"])
def test_names_that_may_be_registered(name: str) -> None:
    assert check_given_name(name)[1] == []


@pytest.mark.parametrize("name", ["", "A子", "太郎1", "𠮷男", "々子", "花子!", "一二三四五六七八九十一"])
def test_names_that_may_not_be_registered(name: str) -> None:
    errors = check_given_name(name)[1]
    assert errors and errors[0].message_ja


def test_readings() -> None:
    assert check_reading("ひまり") == ("ヒマリ", [])
    assert check_reading("ユウト")[1] == []
    for bad in ("", "Himari", "陽葵", "ーア", "ッタ"):
        assert check_reading(bad)[1], bad


def test_deadline_counts_the_birth_day_and_skips_closures() -> None:
    # born Tue 2026-11-03 (a holiday itself): day 14 is Mon 2026-11-16
    assert service.birth_notification_deadline(date(2026, 11, 3)) == date(2026, 11, 16)
    # day 14 on Sat 2026-11-21 → Mon 23 is 勤労感謝の日 → Tue 24
    assert service.birth_notification_deadline(date(2026, 11, 8)) == date(2026, 11, 24)
    # day 14 on 30 December → 4 January (year-end closure)
    assert service.birth_notification_deadline(date(2026, 12, 17)) == date(2027, 1, 4)


@pytest.fixture
async def registry(migrated_db: Any) -> Any:
    await seed_population(get_settings(), 300, no_progress)
    return migrated_db


async def test_basic_facts_household_and_tax(registry: Any) -> None:
    settings = get_settings()
    async with registry.session() as session:
        head = await service.current_resident(session, settings, "R0000001")
        facts = service.basic_facts(head)
        assert set(facts) == {"name", "name_kana", "address", "postal_code", "birth_date", "sex"}
        household = await service.household_composition(session, settings, "R0000002")
        assert [m["relation"] for m in household["members"]] == ["head", "spouse", "child"]
        assert [m["is_subject"] for m in household["members"]] == [False, True, False]
        assert "individual_number" not in str(household)
        tax = await service.resident_tax_status(session, settings, "R0000001")
        assert tax["status"] == "taxable"  # the demo father earns ¥5.2M
        child = await service.resident_tax_status(session, settings, "R0000003")
        assert child["status"] == "non_taxable" and child["reason"] == "minor"
        with pytest.raises(Problem) as e:
            await service.resident_tax_status(session, settings, "R0000001", fiscal_year=2001)
        assert e.value.status == 422
        with pytest.raises(Problem) as e:
            await service.current_resident(session, settings, "R7777777")
        assert e.value.status == 404


@pytest.fixture
def hospital(tmp_path: Any) -> Any:
    key = generate_key()
    publish_issuer(
        get_settings().data_dir,
        IssuerMetadata(
            HOSPITAL, "hospital", "手のひら市立中央病院", "Tenohira City Central Hospital", (public_jwk(key),)
        ),
    )
    return key


def _certificate(
    hospital_key: Any, holder: Any, *, born: datetime, mother: str, lifetime: timedelta = timedelta(days=90)
) -> str:
    claims = {
        "sex": "female",
        "birth_datetime": born.isoformat(),
        "birth_place": {
            "type": "hospital",
            "name": "手のひら市立中央病院",
            "address": "手のひら市本町一丁目1番1号",
        },
        "birth_weight_g": 3012,
        "certifier": {"role": "doctor", "name": "山田　花子"},
        "mother_name": mother,
    }
    return issue(
        issuer=HOSPITAL,
        key=hospital_key,
        vct=BIRTH_CERTIFICATE_VCT,
        claims=claims,
        selectively_disclosable=list(claims),
        holder_jwk=public_jwk(holder),
        lifetime=lifetime,
        now=born,
    ).serialize()


async def _file(registry: Any, sdjwt: str, holder: Any, now: datetime, **kw: Any) -> Any:
    settings = get_settings()
    challenge = service.issue_presentation_nonce(settings, now.timestamp())
    pres = present(
        sdjwt, holder_key=holder, audience=challenge["audience"], nonce=challenge["nonce"], now=now
    )
    args = {"filer_id": "R0000001", "given_name": "陽葵", "given_name_kana": "ひまり", "presentation": pres}
    args.update(kw)
    async with registry.session() as session:
        return await service.register_birth(session, settings, nonce=challenge["nonce"], now=now, **args)


async def test_birth_notification_registers_the_child(registry: Any, hospital: Any) -> None:
    settings = get_settings()
    async with registry.session() as session:
        mother = await service.current_resident(session, settings, "R0000002")
    born = datetime(2026, 11, 23, 4, 12, tzinfo=UTC)
    holder = generate_key()
    sdjwt = _certificate(hospital, holder, born=born, mother=mother.name)
    result = await _file(registry, sdjwt, holder, born + timedelta(days=3))
    assert not result.late
    assert result.child.name == mother.name.split("\u3000")[0] + "\u3000陽葵"
    assert result.child.name_kana.endswith("ヒマリ")
    assert result.child.household_id == mother.household_id
    assert result.child.birth_date == date(2026, 11, 23)
    validate_individual_number(result.child.individual_number)
    async with registry.session() as session:
        members = await repository.household_members(session, mother.household_id)
        assert [m.relation for m in members] == ["head", "spouse", "child", "child"]
        again = await service.current_resident(session, settings, "R0000002")
        assert again.expecting_due_date is None
    # the same certificate cannot register a second child
    with pytest.raises(Problem) as e:
        await _file(
            registry, sdjwt, holder, born + timedelta(days=4), given_name="結衣", given_name_kana="ユイ"
        )
    assert e.value.status == 409


async def test_late_notification_is_accepted_and_flagged(registry: Any, hospital: Any) -> None:
    settings = get_settings()
    async with registry.session() as session:
        mother = await service.current_resident(session, settings, "R0000002")
    born = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    holder = generate_key()
    sdjwt = _certificate(hospital, holder, born=born, mother=mother.name)
    result = await _file(registry, sdjwt, holder, born + timedelta(days=40))
    assert result.late and result.deadline == date(2026, 10, 14)


async def test_bad_name_is_refused_before_anything_is_registered(registry: Any, hospital: Any) -> None:
    settings = get_settings()
    async with registry.session() as session:
        mother = await service.current_resident(session, settings, "R0000002")
        before = await repository.count(session)
    born = datetime(2026, 11, 23, 4, 12, tzinfo=UTC)
    holder = generate_key()
    sdjwt = _certificate(hospital, holder, born=born, mother=mother.name)
    with pytest.raises(Problem) as e:
        await _file(
            registry, sdjwt, holder, born + timedelta(days=2), given_name="Hima理", given_name_kana="ヒマリ"
        )
    assert e.value.status == 422 and e.value.errors[0].field == "given_name"
    async with registry.session() as session:
        assert await repository.count(session) == before


async def test_certificate_from_an_unregistered_hospital_is_refused(registry: Any) -> None:
    settings = get_settings()
    async with registry.session() as session:
        mother = await service.current_resident(session, settings, "R0000002")
    born = datetime(2026, 11, 23, 4, 12, tzinfo=UTC)
    holder = generate_key()
    sdjwt = _certificate(generate_key(), holder, born=born, mother=mother.name)
    with pytest.raises(CredentialRejected) as e:
        await _file(registry, sdjwt, holder, born + timedelta(days=2))
    assert e.value.reason == "unknown-issuer"


async def test_certificate_of_another_mother_is_refused(registry: Any, hospital: Any) -> None:
    born = datetime(2026, 11, 23, 4, 12, tzinfo=UTC)
    holder = generate_key()
    sdjwt = _certificate(hospital, holder, born=born, mother="赤の他人\u3000花子")
    with pytest.raises(Problem) as e:
        await _file(registry, sdjwt, holder, born + timedelta(days=2))
    assert e.value.status == 403


async def test_withheld_required_claim_is_refused(registry: Any, hospital: Any) -> None:
    settings = get_settings()
    async with registry.session() as session:
        mother = await service.current_resident(session, settings, "R0000002")
    born = datetime(2026, 11, 23, 4, 12, tzinfo=UTC)
    holder = generate_key()
    sdjwt = _certificate(hospital, holder, born=born, mother=mother.name)
    now = born + timedelta(days=2)
    challenge = service.issue_presentation_nonce(settings, now.timestamp())
    pres = present(
        sdjwt,
        holder_key=holder,
        audience=challenge["audience"],
        nonce=challenge["nonce"],
        now=now,
        disclose=["sex", "birth_datetime", "mother_name"],
    )
    async with registry.session() as session:
        with pytest.raises(Problem) as e:
            await service.register_birth(
                session,
                settings,
                filer_id="R0000001",
                given_name="陽葵",
                given_name_kana="ヒマリ",
                presentation=pres,
                nonce=challenge["nonce"],
                now=now,
            )
    assert e.value.status == 422 and "birth_place" in (e.value.detail or "")


def test_presentation_nonce_is_checked() -> None:
    settings = get_settings()
    n = service.issue_presentation_nonce(settings, 1_000_000.0)["nonce"]
    service.check_presentation_nonce(settings, n, 1_000_100.0)
    for bad, at in (
        (n, 1_000_000.0 + 3600),
        (n[:-1] + ("0" if n[-1] != "0" else "1"), 1_000_100.0),
        ("x", 0.0),
    ):
        with pytest.raises(Problem):
            service.check_presentation_nonce(settings, bad, at)
