"""Rows the insurer, the hospital and the palm stored before they used the vault: the migrations
turn the columns into bytes (still plaintext), the start-up steps seal them, and they read back."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tenohira.agencies.hospital import service as hospital
from tenohira.agencies.hospital.models import Patient
from tenohira.agencies.insurer import service as insurer
from tenohira.agencies.insurer.models import InsuredPerson
from tenohira.core import get_settings
from tenohira.core.db import alembic_config, dispose_databases, get_database, migrate
from tenohira.palm.models import Application, Person
from tenohira.palm.sealing import seal_legacy_rows
from tenohira.vault import open_vault

NAME, KANA, BIRTH = "山田\u3000花子", "ヤマダ\u3000ハナコ", date(1994, 5, 6)


async def _insert(session: Any, table: str, row: dict[str, Any]) -> None:
    names, binds = ", ".join(row), ", ".join(f":{c}" for c in row)
    await session.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({binds})"), row)


async def test_plaintext_rows_are_sealed_at_start(database_url: str) -> None:
    from alembic import command

    def before_the_vault() -> None:
        cfg = alembic_config(database_url)
        for target in ("insurer_0002", "hospital_0002", "palm_0001", "vault@head"):
            command.upgrade(cfg, target)

    await asyncio.to_thread(before_the_vault)
    now = datetime.now(UTC)
    async with get_database().session() as session:  # as the modules wrote them before
        await insurer.ensure_insurers(session)
        await _insert(session, "hosp_facilities", {
            "id": "f1", "kind": "hospital", "name_ja": "病院", "name_en": "Hospital", "address": "-",
            "issuer": "https://f1.example", "compensation_scheme": True,
        })  # fmt: skip
        await _insert(session, "ins_persons", {
            "id": "I00000001", "seq": 1, "insurer_id": "tenohira-nhi", "role": "insured", "insured_id": None,
            "symbol": "0001", "number": "0000001", "branch": "00", "relation": "self", "name": NAME,
            "name_kana": KANA, "birth_date": BIRTH, "sex": "female", "qualified_from": BIRTH,
            "hub_code": None, "created_at": now,
        })  # fmt: skip
        await _insert(session, "hosp_patients", {
            "id": "P000001", "seq": 1, "facility_id": "f1", "name": NAME, "name_kana": KANA,
            "birth_date": BIRTH, "hub_code": None, "created_at": now,
        })  # fmt: skip
        await _insert(session, "palm_people", {
            "code": "c1", "language": "ja", "email": "hanako@example.jp", "created_at": now,
        })  # fmt: skip
        await _insert(session, "palm_applications", {
            "id": "A1", "owner_code": "c1", "procedure_id": "birth_notification",
            "deciding_agency": "municipality", "state": "draft", "fields": json.dumps({"mother_name": NAME}),
            "sources": "{}", "flags": "[]", "document": b'{"name": "x"}',
            "created_at": now, "updated_at": now,
        })  # fmt: skip
    await dispose_databases()

    await migrate(database_url)  # the vault revisions: bytes, still plaintext
    async with get_database().session() as session:
        raw = (await session.execute(sa.text("SELECT name FROM ins_persons"))).scalar_one()
        assert bytes(raw) == NAME.encode()
    settings = get_settings()
    await open_vault(settings)
    async with get_database().session() as session:
        assert await insurer.seal_legacy_rows(session) == 1
        assert await hospital.seal_legacy_rows(session) == 1
        assert await seal_legacy_rows(session) == 2
    async with get_database().session() as session:
        for table, column in (
            ("ins_persons", "name"),
            ("hosp_patients", "birth_date"),
            ("palm_people", "email"),
        ):
            raw = (await session.execute(sa.text(f"SELECT {column} FROM {table}"))).scalar_one()
            assert bytes(raw)[:1] == b"\x01", (table, column)
        person = await insurer.person_for(session, "code-1", {"name": NAME, "birth_date": BIRTH.isoformat()})
        assert (person.id, person.name, person.name_kana, person.birth_date) == (
            "I00000001",
            NAME,
            KANA,
            BIRTH,
        )
        patient = await hospital.patient_for(
            session, "code-2", {"name": NAME, "birth_date": BIRTH.isoformat()}
        )
        assert (patient.id, patient.name) == ("P000001", NAME)
        p = await session.get(Person, "c1")
        app = await session.get(Application, "A1")
        assert p is not None and app is not None
        assert p.email == "hanako@example.jp"
        assert app.fields == {"mother_name": NAME} and app.document == b'{"name": "x"}'
        # sealed rows are not sealed twice
        assert await insurer.seal_legacy_rows(session) == 0
        assert await seal_legacy_rows(session) == 0
        assert (await session.scalar(sa.select(sa.func.count()).select_from(InsuredPerson))) == 1
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Patient))) == 1
    await dispose_databases()
