"""Delegation rules: scope, mode, expiry, revocation by the resident, card revocation, protection, 404s."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenohira.audit.models import AuditEntry
from tenohira.core import get_settings
from tenohira.core.problems import Problem
from tenohira.identity import BasicFacts, ensure_ca, issue_card, revoke_card
from tenohira.supporters import request_help
from tenohira.supporters.delegations import (
    access_history_entries,
    find_usable,
    grant_delegation,
    record_action,
    register_role,
    revoke_delegation,
    roles_of,
    take_help_request,
)

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
RESIDENT = "PALM-RESIDENT"


async def never(_code: str) -> bool:
    return False


async def always(_code: str) -> bool:
    return True


async def unreachable(_code: str) -> bool:
    raise Problem(status=503, slug="hub", title="hub down", title_ja="ハブ停止")


async def _card(db: Any, tmp: Path) -> str:
    ensure_ca(get_settings())
    facts = BasicFacts(
        name="手野 花子",
        name_kana="ての はなこ",
        address="手のひら市本町1-1",
        birth_date=date(1950, 1, 2),
        sex="female",
    )
    async with db.session() as s:
        issued = await issue_card(
            s, holder_ref="R0000009", facts=facts, pin="1234", password="TENOHIRA26", out_dir=tmp / "card"
        )
    return str(issued.auth_serial)


@pytest.fixture
async def world(migrated_db: Any, tmp_path: Path) -> dict[str, Any]:
    serial = await _card(migrated_db, tmp_path)
    async with migrated_db.session() as s:
        sup = await register_role(
            s, role="supporter", display_name="支援 一郎", registered_by="t", palm_code="PALM-SUP"
        )
        other = await register_role(
            s, role="supporter", display_name="支援 二郎", registered_by="t", palm_code="PALM-S2"
        )
        staff = await register_role(
            s, role="staff", display_name="職員 三郎", registered_by="t", palm_code="PALM-ST"
        )
        d = await grant_delegation(
            s,
            resident_code=RESIDENT,
            card_serial=serial,
            supporter_id=sup.id,
            procedures=["child_allowance_claim"],
            mode="read",
            expires_at=NOW + timedelta(days=30),
            now=NOW,
        )
        return {"db": migrated_db, "serial": serial, "sup": sup, "other": other, "staff": staff, "d": d}


async def use(
    w: dict[str, Any],
    who: str = "sup",
    *,
    procedure: str | None = "child_allowance_claim",
    need: str = "read",
    protection: Any = never,
    now: datetime = NOW,
) -> Any:
    async with w["db"].session() as s:
        from tenohira.supporters.models import Role

        role = await s.get(Role, w[who].id)
        return await find_usable(
            s, role, RESIDENT, procedure=procedure, need=need, protection=protection, now=now
        )


async def refused(w: dict[str, Any], **kw: Any) -> None:
    assert await use(w, **kw) is None


async def test_scope_mode_and_other_supporters(world: dict[str, Any]) -> None:
    assert (await use(world)).id == world["d"].id
    await refused(world, procedure="nhi_enrolment")  # outside the procedures
    await refused(world, need="file")  # read-only delegation
    await refused(world, who="other")  # not theirs
    await refused(world, who="staff")  # staff is not a supporter


async def test_expiry_ends_the_delegation(world: dict[str, Any]) -> None:
    await refused(world, now=NOW + timedelta(days=31))
    async with world["db"].session() as s:
        from tenohira.supporters.models import Delegation

        assert (await s.get(Delegation, world["d"].id)).end_reason == "expired"
    await refused(world)  # and stays ended


async def test_resident_revokes_and_only_their_own(world: dict[str, Any]) -> None:
    async with world["db"].session() as s:
        with pytest.raises(Problem) as info:
            await revoke_delegation(s, "SOMEONE-ELSE", world["d"].id)
        assert info.value.status == 404
    async with world["db"].session() as s:
        await revoke_delegation(s, RESIDENT, world["d"].id)
    await refused(world)


async def test_card_revocation_ends_delegations(world: dict[str, Any]) -> None:
    async with world["db"].session() as s:
        await revoke_card(s, serial=world["serial"], reason="lost")
    await refused(world)
    async with world["db"].session() as s:
        from tenohira.supporters.models import Delegation

        assert (await s.get(Delegation, world["d"].id)).end_reason == "card-revoked"


async def test_address_protection_suspends_and_fails_closed(world: dict[str, Any]) -> None:
    await refused(world, protection=always)
    await refused(world, protection=unreachable)
    assert (await use(world)).state == "active"  # suspended, not ended: works again once lifted


async def test_bad_delegations_have_bilingual_field_errors(world: dict[str, Any]) -> None:
    async with world["db"].session() as s:
        with pytest.raises(Problem) as info:
            await grant_delegation(
                s,
                resident_code=RESIDENT,
                card_serial=world["serial"],
                supporter_id=world["staff"].id,
                procedures=["no_such"],
                mode="write",
                expires_at=NOW - timedelta(days=1),
                now=NOW,
            )
    fields = {e.field for e in info.value.errors}
    assert fields == {"procedures", "mode", "expires_at", "supporter"}
    assert all(e.message_ja for e in info.value.errors)


async def test_actions_reach_the_history_and_the_transparency_log(world: dict[str, Any]) -> None:
    import sqlalchemy as sa

    async with world["db"].session() as s:
        help_ = await request_help(s, RESIDENT, "web:/", [])
    async with world["db"].session() as s:
        from tenohira.supporters.models import Role

        sup = await s.get(Role, world["sup"].id)
        await take_help_request(s, sup, help_.id)
        await record_action(s, sup, RESIDENT, "viewed-applications", delegation_id=world["d"].id)
    async with world["db"].session() as s:
        entries = await access_history_entries(s, RESIDENT)
        assert [e["service"].split()[0] for e in entries] == ["viewed-applications", "help-taken"]
        assert entries[0]["client_name"] == "支援員 支援 一郎" and entries[0]["kind"] == "supporter"
        types = set(await s.scalars(sa.select(AuditEntry.type)))
        assert {"supporters:action:help-taken", "supporters:action:viewed-applications"} <= types
    async with world["db"].session() as s:
        other = await s.get(Role, world["other"].id)
        with pytest.raises(Problem) as info:
            await take_help_request(s, other, help_.id)  # already taken by someone else
        assert info.value.status == 404


async def test_role_by_card_binds_to_the_palm_code(migrated_db: Any) -> None:
    async with migrated_db.session() as s:
        await register_role(
            s, role="staff", display_name="窓口 花子", registered_by="bootstrap", card_serial="abc1"
        )
    async with migrated_db.session() as s:
        assert [r.role for r in await roles_of(s, "PALM-X", "ABC1")] == ["staff"]
    async with migrated_db.session() as s:
        assert [r.palm_code for r in await roles_of(s, "PALM-X")] == ["PALM-X"]
        assert await roles_of(s, "PALM-Y", "ABC1") == []


async def test_demo_cards_get_their_roles_at_first_login(migrated_db: Any) -> None:
    import json

    from tenohira.supporters.demo import ensure_demo_roles

    settings = get_settings()
    for rid, serial in (("R0000004", "0A0B"), ("R0000008", "0C0D")):
        folder = Path(settings.data_dir) / "demo-cards" / rid
        folder.mkdir(parents=True)
        (folder / "card.json").write_text(json.dumps({"auth_serial": serial}))
    await ensure_demo_roles(settings, "0a0b")
    await ensure_demo_roles(settings, "0a0b")  # once only
    await ensure_demo_roles(settings, "0C0D")
    await ensure_demo_roles(settings, "FFFF")  # a resident's card: nothing
    async with migrated_db.session() as s:
        assert sorted(r.role for r in await roles_of(s, "PALM-STAFF", "0A0B")) == ["administrator", "staff"]
        assert [r.role for r in await roles_of(s, "PALM-SUP", "0C0D")] == ["supporter"]
        assert await roles_of(s, "PALM-RES", "FFFF") == []
