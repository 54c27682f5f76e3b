"""The proof of issue 9 on a whole platform: after a full first start, the birth story and the
mother's conversation with the assistant (ending in a help request), no seeded resident's (nor
the newborn's) name or individual number, no email address and none of the mother's typed words
are found in clear in any raw database file, in the data directory or in any vault site — nor,
on PostgreSQL, in any table. Then the mother is erased everywhere: each holder's data about
her is unreadable, everyone else's (and the registry's, kept by law) still reads, the
transparency log verifies, and erasing again changes nothing."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenohira.agencies.municipality import list_residents
from tenohira.core import get_database, get_settings, reset_settings
from tenohira.core.db import dispose_databases
from tenohira.core.progress import no_progress
from tenohira.vault import close_vaults
from tenohira.vault.sites import configured_sites
from tests.conftest import LiveServer, free_port
from tests.vault.test_registry_encryption import _files, _pg_dump_bytes


async def _columns_holding(url: str, needle: bytes) -> list[str]:
    """Which table.column values hold ``needle`` (to name a leak found in the raw files)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    found: list[str] = []
    async with engine.connect() as conn:
        inspector_tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        for table in inspector_tables:
            rows = await conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            for row in rows.mappings():
                for column, value in row.items():
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    if needle in raw and f"{table}.{column}" not in found:
                        found.append(f"{table}.{column}")
    await engine.dispose()
    return found


# What the mother types to the assistant (typed words, not a template: found nowhere else)
MOTHER_WORDS = "夫の転勤で来月から北見の社宅に住む予定です"
EMAIL = "parent@example.jp"  # the scenario's contact address


def _talk_to_the_assistant(url: str, card_dir: Path) -> None:
    """The mother logs in with her card, tells the assistant something, then asks for a person."""
    import base64

    import httpx

    from tenohira.identity import CardSimulator
    from tenohira.scenarios.instance import PIN

    card = CardSimulator.open(card_dir)
    with httpx.Client(base_url=url, timeout=60) as http:
        challenge = http.post("/api/auth/challenge").json()["challenge"]
        signature = card.authenticate(PIN, base64.b64decode(challenge))
        login = http.post(
            "/api/auth/login",
            json={
                "challenge": challenge,
                "signature": base64.b64encode(signature).decode(),
                "certificate": card.auth_certificate_pem().decode(),
                "session": "bearer",
            },
        )
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['token']}"
        started = http.post("/api/assistant/conversations", json={"language": "ja"})
        assert started.status_code == 201, started.text
        cid = started.json()["id"]
        for text in (MOTHER_WORDS, "人と話したい"):
            r = http.post(f"/api/assistant/conversations/{cid}/messages", json={"text": text})
            assert r.status_code == 200, r.text
        transcript = http.get(f"/api/assistant/conversations/{cid}").json()
        # the API still reads what was stored sealed
        assert MOTHER_WORDS in json.dumps(transcript, ensure_ascii=False)
        assert transcript.get("help_request"), transcript


def _start_and_tell_the_story(monkeypatch: pytest.MonkeyPatch, card_dir: Path) -> dict[str, Any]:
    from tenohira.cli import bootstrap_all
    from tenohira.scenarios.birth import DEMO_MOTHER, run_story
    from tenohira.scenarios.instance import issue_card

    port = free_port()
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    monkeypatch.setenv("TENOHIRA_DEMO_RESIDENTS", "60")
    reset_settings()
    settings = get_settings()
    asyncio.run(bootstrap_all(settings, no_progress))
    server = LiveServer(port)
    server.start()
    try:
        # the card issued here (as the story would) stays for the conversation after the story
        env = dict(os.environ) | {"TENOHIRA_DATA_DIR": str(settings.data_dir)}
        issued = issue_card(DEMO_MOTHER, card_dir, env)
        assert issued.returncode == 0, issued.stderr[-2000:]
        summary = run_story(server.url, card_dir=card_dir, data_dir=settings.data_dir, notice_wait=10.0)
        _talk_to_the_assistant(server.url, card_dir)
    finally:
        server.stop()
    return summary


@pytest.mark.timeout(600)
async def test_nothing_in_clear_after_first_start_birth_and_assistant_then_erase_everywhere(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = await asyncio.to_thread(_start_and_tell_the_story, monkeypatch, tmp_path / "card")
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert summary["birth_notification"] is not None, failed
    assert summary["birth_notification"]["status"] == "accepted", failed

    settings = get_settings()
    async with get_database().session() as session:
        residents = await list_residents(session, limit=10_000)
    born = [r for r in residents if r.moved_in == r.birth_date and r.relation == "child"]
    newborn = max(born, key=lambda r: (r.birth_date, r.id))
    assert newborn.name.endswith("陽葵"), newborn  # the scenario's child
    assert len(residents) >= 61
    await dispose_databases()
    close_vaults()  # nothing cached or open: look at the bytes at rest

    sites = [s.path for s in configured_sites(settings)]
    files = _files(settings.data_dir, *sites)
    if database_url.startswith("sqlite"):
        db_file = Path(database_url.split(":///", 1)[1])
        files += _files(db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-journal"))
        blob = b"".join(p.read_bytes() for p in files)
    else:
        blob = b"".join(p.read_bytes() for p in files) + await _pg_dump_bytes(database_url)
    assert any(p.name == "keys.sqlite" for p in files)
    # the search can see plaintext: the 町字 names (not personal) are stored in clear
    assert residents[0].district.encode() in blob

    leaks: list[str] = []
    for r in residents:
        needles = {
            "name": r.name,
            "name without space": r.name.replace("\u3000", ""),
            "individual number": r.individual_number,
        }
        if r.id == newborn.id:
            needles["given name"] = r.name.split("\u3000")[-1]
            needles["reading"] = r.name_kana
        for what, text in needles.items():
            forms = {
                "utf-8": text.encode(),
                "utf-16": text.encode("utf-16-le"),
                # JSON as SQLite stores it (ensure_ascii): 陽葵 -> \u967d\u8475
                "json-escaped": json.dumps(text)[1:-1].encode(),
            }
            for form, needle in forms.items():
                if needle in blob:
                    where = [p.name for p in files if needle in p.read_bytes()]
                    where += await _columns_holding(database_url, needle)
                    leaks.append(f"{r.id} {what} ({form}) in {where}")
    # free text and addresses: the mother's typed words (assistant messages, dialogue state, the
    # help request's transcript) and her email address (inbox, outbox, palm contact)
    mailbox = settings.data_dir / "mailbox"
    stored = [p for p in files if mailbox not in p.parents]
    stored_blob = blob if len(stored) == len(files) else b"".join(p.read_bytes() for p in stored)
    if not database_url.startswith("sqlite"):
        stored_blob += await _pg_dump_bytes(database_url)
    # the search can see it: the local mailbox stands for the mother's own mailbox (delivered mail)
    assert any(EMAIL.encode() in p.read_bytes() for p in files if mailbox in p.parents)
    for what, text in (("typed words", MOTHER_WORDS), ("email address", EMAIL)):
        forms = {
            "utf-8": text.encode(),
            "utf-16": text.encode("utf-16-le"),
            "json-escaped": json.dumps(text)[1:-1].encode(),
        }
        for form, needle in forms.items():
            if needle in stored_blob:
                where = [p.name for p in stored if needle in p.read_bytes()]
                where += await _columns_holding(database_url, needle)
                leaks.append(f"{what} ({form}) in {where}")
    assert not leaks, "\n".join(leaks)
    assert os.environ.get("TENOHIRA_DEMO_RESIDENTS") == "60"

    await _erase_the_mother_everywhere(newborn.id)


async def _erase_the_mother_everywhere(newborn_id: str) -> None:
    """Erase-everywhere on the story's mother: her data unreadable at every holder but the registry
    (kept by law), others' data readable, the log verifies, a second run is a no-op."""
    from tenohira.agencies.hospital.models import BirthRecord, Patient
    from tenohira.agencies.insurer.models import InsuredPerson
    from tenohira.agencies.municipality import get_resident
    from tenohira.assistant.models import Message
    from tenohira.audit.keys import load_key
    from tenohira.audit.log import produce_tree_head
    from tenohira.audit.verify import verify_log
    from tenohira.notify.models import InboxMessage, OutgoingEmail
    from tenohira.scenarios.birth import DEMO_MOTHER
    from tenohira.supporters.models import HelpRequest
    from tenohira.vault import DataShredded, open_vault
    from tenohira.vault.erasure import RETENTION, erase_everywhere, resolve_holders

    settings = get_settings()
    db = get_database()
    vault = await open_vault(settings)
    keys = await resolve_holders(settings, DEMO_MOTHER)
    for holder in ("registry", "insurer", "hospital", "palm", "notify", "assistant", "supporters", "hub"):
        assert keys[holder], (holder, keys)
    # before: every holder's rows about her read
    async with db.session() as s:
        her_patient = await s.get(Patient, keys["hospital"][0])
        assert her_patient is not None and her_patient.name
        q = sa.select(BirthRecord).where(BirthRecord.patient_id == her_patient.id)
        births = (await s.scalars(q)).all()
        assert births and births[0].born_at is not None
        # someone else's data at a holder that erases: another insured person (the demo books one
        # expectant mother at the hospital, enrols every household at the insurer)
        q2 = sa.select(InsuredPerson).where(InsuredPerson.id.not_in(keys["insurer"])).limit(3)
        others = (await s.scalars(q2)).all()
        assert others
        other_names = {o.id: o.name for o in others}
        inbox_rows = (await s.scalars(sa.select(InboxMessage))).all()
        hers = [m for m in inbox_rows if m.vault_person in keys["notify"]]
        not_hers = [m for m in inbox_rows if m.vault_person not in keys["notify"]]
        assert hers and all(m.subject for m in hers)
        assert MOTHER_WORDS in [m.text for m in (await s.scalars(sa.select(Message))).all()]
        assert any(MOTHER_WORDS in json.dumps(h.transcript, ensure_ascii=False)
                   for h in (await s.scalars(sa.select(HelpRequest))).all())  # fmt: skip

    first = await erase_everywhere(settings, DEMO_MOTHER, actor="test")
    print(json.dumps(first.as_dict(), ensure_ascii=False))  # shown with -s (docs/vault.md's example)
    outcomes = {h.holder: h for h in first.holders}
    assert first.complete, first.as_dict()
    assert outcomes["registry"].outcome == "kept"
    assert outcomes["registry"].legal_basis == RETENTION["registry"]
    for holder in ("insurer", "hospital", "palm", "notify", "assistant", "supporters", "hub"):
        assert outcomes[holder].outcome == "erased" and outcomes[holder].shredded >= 1, outcomes[holder]

    close_vaults()  # a fresh process: nothing cached
    vault = await open_vault(settings)
    async with db.session() as s:
        patient = await s.get(Patient, keys["hospital"][0])
        assert patient is not None
        with pytest.raises(DataShredded):
            _ = patient.name
        birth = (await s.scalars(sa.select(BirthRecord).where(BirthRecord.patient_id == patient.id))).first()
        assert birth is not None
        with pytest.raises(DataShredded):
            _ = birth.born_at
        for m in (await s.scalars(sa.select(InboxMessage))).all():
            if m.vault_person in keys["notify"]:
                with pytest.raises(DataShredded):
                    _ = m.subject
        for e in (await s.scalars(sa.select(OutgoingEmail))).all():
            if e.vault_person in keys["notify"]:
                with pytest.raises(DataShredded):
                    _ = e.body
        texts = 0
        for msg in (await s.scalars(sa.select(Message))).all():
            if msg.vault_person in keys["assistant"]:
                texts += 1
                with pytest.raises(DataShredded):
                    _ = msg.text
        assert texts >= 2
        for h in (await s.scalars(sa.select(HelpRequest))).all():
            if h.vault_person in keys["supporters"]:
                with pytest.raises(DataShredded):
                    _ = h.transcript
        # everyone else's data still reads; so does the registry's record of her (kept by law)
        for oid, name in other_names.items():
            other = await s.get(InsuredPerson, oid)
            assert other is not None and other.name == name
        for m in not_hers[:5]:
            row = await s.get(InboxMessage, m.id)
            assert row is not None and row.subject
        mother = await get_resident(s, DEMO_MOTHER)
        assert mother is not None and mother.name
        child = await get_resident(s, newborn_id)
        assert child is not None and child.name.endswith("陽葵")
    for holder in ("palm", "hub"):
        assert set(vault.key_states(keys[holder]).values()) == {"shredded"}, holder
    with pytest.raises(DataShredded):
        vault.decrypt_text(keys["palm"][0], "x", "email", b"\x01" + bytes(40))

    second = await erase_everywhere(settings, DEMO_MOTHER, actor="test")
    again = {h.holder: h for h in second.holders}
    assert second.complete and again["registry"].outcome == "kept"
    for holder in ("insurer", "hospital", "palm", "notify", "assistant", "supporters", "hub"):
        assert again[holder].outcome == "already erased" and again[holder].shredded == 0, again[holder]

    # the log: both erasures recorded with no personal reference, and the whole log verifies
    key = load_key(settings)
    async with db.session() as s:
        await produce_tree_head(s, key)
    async with db.session() as s:
        rows = (
            await s.execute(
                sa.text("SELECT subject, attributes FROM audit_entries WHERE type = 'vault:erase'")
            )
        ).all()
    assert {r[0] for r in rows} == {first.erasure_id, second.erasure_id}
    logged = " ".join(str(r[1]) for r in rows)
    for secret in [DEMO_MOTHER, *(k for ids in keys.values() for k in ids)]:
        assert secret.split(":")[-1] not in logged
    report = await verify_log(db, key)
    assert report.ok, report.problem
