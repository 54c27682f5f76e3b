"""Free text and birth facts stored before they used the vault (notify, assistant, supporters, the
hospital's birth records): the migrations turn the columns into bytes (still plaintext) and copy
whose key seals them, the start-up steps seal them, and they read back unchanged."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tenohira.agencies.hospital import service as hospital
from tenohira.agencies.hospital.models import BirthRecord
from tenohira.assistant.models import Conversation, Message
from tenohira.core import get_settings
from tenohira.core.db import alembic_config, dispose_databases, get_database, migrate
from tenohira.core.progress import no_progress
from tenohira.notify.bootstrap import bootstrap as notify_bootstrap
from tenohira.notify.models import InboxMessage, OutgoingEmail
from tenohira.supporters.bootstrap import bootstrap as supporters_bootstrap
from tenohira.supporters.models import HelpRequest
from tenohira.vault import open_vault, seal_legacy

NAME = "山田\u3000花子"
WORDS = "夫の転勤で来月から北見の社宅に住む予定です"
EMAIL = "hanako@example.jp"
BORN = datetime(2026, 11, 20, 3, 12, tzinfo=UTC)


async def _insert(session: Any, table: str, row: dict[str, Any]) -> None:
    names, binds = ", ".join(row), ", ".join(f":{c}" for c in row)
    await session.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({binds})"), row)


async def test_free_text_and_birth_facts_are_sealed_at_start(database_url: str) -> None:
    from alembic import command

    def before_the_vault() -> None:
        cfg = alembic_config(database_url)
        for target in ("notify_0001", "assistant_0001", "supporters_0002", "hospital_0003", "vault@head"):
            command.upgrade(cfg, target)

    await asyncio.to_thread(before_the_vault)
    now = datetime.now(UTC)
    async with get_database().session() as session:  # as the modules wrote them before
        await _insert(session, "hosp_facilities", {
            "id": "f1", "kind": "hospital", "name_ja": "病院", "name_en": "Hospital", "address": "-",
            "issuer": "https://f1.example", "compensation_scheme": True,
        })  # fmt: skip
        await _insert(session, "hosp_patients", {
            "id": "P000001", "seq": 1, "facility_id": "f1", "name": NAME.encode(), "name_kana": b"-",
            "birth_date": b"1994-05-06", "hub_code": None, "created_at": now,
        })  # fmt: skip
        await _insert(session, "hosp_birth_records", {
            "id": "B000001", "patient_id": "P000001", "facility_id": "f1", "due_date": date(2026, 11, 22),
            "status": "born", "born_at": BORN, "sex": "female", "weight_g": 3020, "height_cm": 49.5,
            "gestational_weeks": 39, "plurality": 1, "certifier": "手のひら 一郎", "created_at": now,
            "charges": 482000,
        })  # fmt: skip
        await _insert(session, "notify_messages", {
            "id": "m1", "recipient": "palm:c1", "template": "generic", "language": "ja",
            "subject": "お知らせ", "body": f"{NAME}さんへ", "created_at": now,
        })  # fmt: skip
        await _insert(session, "notify_emails", {
            "id": "e1", "message_id": "m1", "to_address": EMAIL, "to_sha256": bytes(32),
            "subject": "お知らせ", "body": f"{NAME}さんへ", "state": "created", "attempts": 0,
            "next_attempt_at": now, "created_at": now, "updated_at": now,
        })  # fmt: skip
        await _insert(session, "assistant_conversations", {
            "id": "C1", "owner": "palm:c1", "language": "ja",
            "state": json.dumps({"stage": "start", "note": WORDS}), "version": 1,
            "created_at": now, "updated_at": now,
        })  # fmt: skip
        for seq, text, data in ((1, "こんにちは", json.dumps({"suggestions": []})), (2, WORDS, None)):
            await _insert(session, "assistant_messages", {
                "conversation_id": "C1", "seq": seq, "role": "resident", "text": text, "data": data,
                "created_at": now,
            })  # fmt: skip
        await _insert(session, "supporters_help_requests", {
            "id": "H1", "resident_code": "c1", "source": "assistant:C1", "reason": "asked",
            "language": "ja", "transcript": json.dumps([{"role": "resident", "text": WORDS}]),
            "state": "open", "created_at": now, "updated_at": now,
        })  # fmt: skip
    await dispose_databases()

    await migrate(database_url)  # the vault revisions: bytes, still plaintext
    async with get_database().session() as session:
        raw = (
            await session.execute(sa.text("SELECT text FROM assistant_messages WHERE seq = 2"))
        ).scalar_one()
        assert bytes(raw) == WORDS.encode()
        owner = (await session.execute(sa.text("SELECT owner FROM assistant_messages"))).scalars().all()
        assert owner == ["palm:c1", "palm:c1"]
        recipient = (await session.execute(sa.text("SELECT recipient FROM notify_emails"))).scalar_one()
        assert recipient == "palm:c1"
    settings = get_settings()
    await open_vault(settings)
    await notify_bootstrap(settings, no_progress)
    await supporters_bootstrap(settings, no_progress)
    async with get_database().session() as session:
        assert await hospital.seal_legacy_rows(session) == 2  # the patient and her birth record
        assert await seal_legacy(session, Conversation, ["state"]) == 1
        assert await seal_legacy(session, Message, ["text", "data"]) == 2
    async with get_database().session() as session:
        for table, column in (
            ("hosp_birth_records", "born_at"),
            ("hosp_birth_records", "weight_g"),
            ("hosp_birth_records", "due_date"),
            ("notify_messages", "body"),
            ("notify_emails", "to_address"),
            ("assistant_conversations", "state"),
            ("assistant_messages", "text"),
            ("supporters_help_requests", "transcript"),
        ):
            for raw in (await session.execute(sa.text(f"SELECT {column} FROM {table}"))).scalars():
                assert bytes(raw)[:1] == b"\x01", (table, column)
        birth = await session.get(BirthRecord, "B000001")
        assert birth is not None
        assert hospital.aware(birth.born_at) == BORN and birth.due_date == date(2026, 11, 22)
        assert (birth.sex, birth.weight_g, birth.height_cm, birth.gestational_weeks) == (
            "female",
            3020,
            49.5,
            39,
        )
        assert (birth.plurality, birth.certifier, birth.charges) == (1, "手のひら 一郎", 482000)
        message = await session.get(InboxMessage, "m1")
        email = await session.get(OutgoingEmail, "e1")
        assert message is not None and email is not None
        assert (message.subject, message.body) == ("お知らせ", f"{NAME}さんへ")
        assert (email.to_address, email.body) == (EMAIL, f"{NAME}さんへ")
        conversation = await session.get(Conversation, "C1")
        assert conversation is not None and conversation.state == {"stage": "start", "note": WORDS}
        texts = (await session.scalars(sa.select(Message).order_by(Message.seq))).all()
        assert [(m.text, m.data) for m in texts] == [("こんにちは", {"suggestions": []}), (WORDS, None)]
        request = await session.get(HelpRequest, "H1")
        assert request is not None and request.transcript == [{"role": "resident", "text": WORDS}]
        # sealed rows are not sealed twice
        assert await hospital.seal_legacy_rows(session) == 0
        assert await seal_legacy(session, InboxMessage, ["subject", "body"]) == 0
        assert await seal_legacy(session, HelpRequest, ["transcript"]) == 0
    await dispose_databases()
