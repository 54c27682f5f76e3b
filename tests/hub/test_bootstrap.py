"""Hub bootstrap: member CA, hub key, in-process members and the birth story's catalogue, idempotent."""

from __future__ import annotations

import os
from typing import Any

import pytest


async def test_bootstrap_is_idempotent_and_follows_the_port(
    migrated_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenohira.core import get_settings, reset_settings
    from tenohira.core.progress import no_progress
    from tenohira.hub import load_member_credentials, member_dir
    from tenohira.hub import repository as repo
    from tenohira.hub.bootstrap import (
        BIRTH_STORY_RIGHTS,
        BIRTH_STORY_SERVICES,
        IN_PROCESS_MEMBERS,
        OPEN_DATA_RIGHTS,
        OPEN_DATA_SERVICES,
        SUPPORT_RIGHTS,
        SUPPORT_SERVICES,
        bootstrap,
        city_members,
        city_rights,
        city_services,
        move_rights,
        move_services,
    )
    from tenohira.hub.pki import hub_dir, verify_issued_by

    settings = get_settings()
    await bootstrap(settings, no_progress)
    first = {
        m.id: load_member_credentials(settings, m.id).certificate.serial_number for m in IN_PROCESS_MEMBERS
    }
    ca_pem = (hub_dir(settings) / "member-ca.pem").read_bytes()
    for m in IN_PROCESS_MEMBERS:
        creds = load_member_credentials(settings, m.id)
        verify_issued_by(creds.certificate, creds.member_ca)
        assert oct(os.stat(member_dir(settings, m.id) / "key.pem").st_mode)[-3:] == "600"
    assert oct(os.stat(hub_dir(settings) / "member-ca.key").st_mode)[-3:] == "600"
    assert b"ENCRYPTED" in (hub_dir(settings) / "member-ca.key").read_bytes()

    monkeypatch.setenv("TENOHIRA_PORT", "9123")
    reset_settings()
    settings = get_settings()
    await bootstrap(settings, no_progress)
    assert (hub_dir(settings) / "member-ca.pem").read_bytes() == ca_pem
    again = {
        m.id: load_member_credentials(settings, m.id).certificate.serial_number for m in IN_PROCESS_MEMBERS
    }
    assert again == first, "keys are created once"
    async with migrated_db.session() as session:
        muni = await repo.get_member(session, "municipality")
        assert muni is not None and muni.base_url == "http://127.0.0.1:9123/agencies/municipality"
        services = (
            BIRTH_STORY_SERVICES
            + SUPPORT_SERVICES
            + OPEN_DATA_SERVICES
            + city_services(settings)
            + move_services(settings)
        )
        assert len(await repo.list_services(session)) == len(services)
        rights = (
            BIRTH_STORY_RIGHTS
            + SUPPORT_RIGHTS
            + OPEN_DATA_RIGHTS
            + city_rights(settings)
            + move_rights(settings)
        )
        assert len(await repo.list_rights(session)) == len(rights)
        # each other city of core/cities.toml is a member of its own, its keys with its own data
        for member, own in city_members(settings):
            row = await repo.get_member(session, member.id)
            assert row is not None and row.base_url == f"http://127.0.0.1:9123{member.mount}"
            verify_issued_by(load_member_credentials(own, member.id).certificate, creds.member_ca)
        assert {s.provider for s in city_services(settings)} == {"municipality-990027"}
