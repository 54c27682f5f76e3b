"""Inbox and email delivery: states, retries, permanent failures, the local mailbox and real SMTP."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from tenohira.core import get_settings
from tenohira.notify import InvalidNotification, count_emails, email_states, inbox, mark_read, send
from tenohira.notify.delivery import claim, deliver_once, make_transport
from tenohira.notify.models import OutgoingEmail
from tenohira.notify.service import email_digest
from tenohira.notify.transports import MailboxTransport, SMTPTransport, read_mailbox
from tenohira.vault import opened_vault

from .conftest import SMTPServer

NOTICE = {"procedure_name": "児童手当", "deadline": "2026-12-10", "amount": 15000, "per_month": True,
          "explanation": "3歳未満のお子さんがいるため", "url": None}  # fmt: skip


async def _send(db: Any, email: str | None = "parent@example.jp", recipient: str = "P-1") -> str:
    async with db.session() as s:
        return await send(
            s, recipient=recipient, template="procedure_notice", language="ja", params=NOTICE, email=email
        )


async def _email(db: Any, message_id: str) -> OutgoingEmail:
    async with db.session() as s:
        (row,) = await email_states(s, message_id)
        return row


async def test_inbox_and_email_only_when_the_callers_transaction_commits(migrated_db: Any) -> None:
    with pytest.raises(RuntimeError):
        async with migrated_db.session() as s:
            await send(
                s, recipient="P-1", template="procedure_notice", language="ja", params=NOTICE, email="a@b.jp"
            )
            raise RuntimeError("the action failed")
    mid = await _send(migrated_db)
    async with migrated_db.session() as s:
        rows, unread = await inbox(s, ["P-1"])
        assert [r.id for r in rows] == [mid] and unread == 1
        assert rows[0].subject == "【手のひら市】児童手当の手続きのお知らせ"
        assert await count_emails(s) == {"created": 1, "sending": 0, "delivered": 0, "failed": 0}
        assert await mark_read(s, ["P-2"], mid) is None  # not theirs
        assert (await mark_read(s, ["P-1"], mid)) is not None
    async with migrated_db.session() as s:
        assert (await inbox(s, ["P-1"], unread_only=True)) == ([], 0)


async def test_no_email_address_means_inbox_only(migrated_db: Any) -> None:
    mid = await _send(migrated_db, email=None)
    async with migrated_db.session() as s:
        assert await email_states(s, mid) == []


async def test_malformed_addresses_are_refused(migrated_db: Any) -> None:
    async with migrated_db.session() as s:
        for bad in ["not-an-address", "a@b", "two@@at.jp", "sp ace@x.jp"]:
            with pytest.raises(InvalidNotification):
                await send(
                    s,
                    recipient="P-1",
                    template="generic",
                    language="en",
                    params={"subject": "s", "body": "b"},
                    email=bad,
                )


async def test_local_mailbox_delivery(migrated_db: Any) -> None:
    settings = get_settings()
    transport = make_transport(settings)
    assert isinstance(transport, MailboxTransport)
    mid = await _send(migrated_db)
    assert await deliver_once(migrated_db, settings, transport) == 1
    row = await _email(migrated_db, mid)
    assert row.state == "delivered" and row.transport == "mailbox" and row.attempts == 1
    assert row.to_address is None  # erased once delivered
    # a keyed digest (the notify.email blind index), not a hash anyone could recompute from a guess
    assert row.to_sha256 == email_digest(opened_vault(settings), " Parent@Example.jp")
    assert row.to_sha256 != hashlib.sha256(b"parent@example.jp").digest()
    (mail,) = read_mailbox(settings.data_dir / "mailbox")
    assert mail["to"] == "parent@example.jp"
    assert mail["subject"] == "【手のひら市】児童手当の手続きのお知らせ"
    assert "令和8年（2026年）12月10日" in mail["body"]
    assert mail["message_id"] == f"<{row.id}@tenohira.example>"


async def test_smtp_delivery_to_a_real_server(migrated_db: Any, smtp_server: SMTPServer) -> None:
    settings = get_settings().model_copy(update={"smtp_url": smtp_server.url})
    transport = make_transport(settings)
    assert isinstance(transport, SMTPTransport)
    mid = await _send(migrated_db)
    await deliver_once(migrated_db, settings, transport)
    row = await _email(migrated_db, mid)
    assert row.state == "delivered" and row.transport == "smtp", row.last_error
    (msg,) = smtp_server.recorder.received
    assert smtp_server.recorder.envelopes[0].rcpt_tos == ["parent@example.jp"]
    assert msg["Subject"] == "【手のひら市】児童手当の手続きのお知らせ"
    assert "15,000円（月額）" in msg.get_body(preferencelist=("plain",)).get_content()
    assert msg["Message-ID"] == f"<{row.id}@tenohira.example>"


async def test_server_down_then_up_is_retried_with_backoff(migrated_db: Any, smtp_server: SMTPServer) -> None:
    settings = get_settings().model_copy(update={"smtp_url": smtp_server.url})
    transport = make_transport(settings)
    smtp_server.stop()
    mid = await _send(migrated_db)
    await deliver_once(migrated_db, settings, transport)
    row = await _email(migrated_db, mid)
    assert row.state == "created" and row.attempts == 1 and row.last_error
    assert row.to_address == "parent@example.jp"
    next_at = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=UTC)
    assert next_at > datetime.now(UTC) + timedelta(seconds=3)  # backed off, not retried at once
    assert await deliver_once(migrated_db, settings, transport) == 0
    smtp_server.start()
    async with migrated_db.session() as s:
        await s.execute(update(OutgoingEmail).values(next_attempt_at=datetime.now(UTC)))
    await deliver_once(migrated_db, settings, transport)
    row = await _email(migrated_db, mid)
    assert row.state == "delivered" and row.attempts == 2
    assert len(smtp_server.recorder.received) == 1


async def test_refused_recipient_fails_permanently(migrated_db: Any, smtp_server: SMTPServer) -> None:
    settings = get_settings().model_copy(update={"smtp_url": smtp_server.url})
    smtp_server.recorder.refuse.add("gone@example.jp")
    mid = await _send(migrated_db, email="gone@example.jp")
    await deliver_once(migrated_db, settings, make_transport(settings))
    row = await _email(migrated_db, mid)
    assert row.state == "failed" and row.attempts == 1 and "550" in (row.last_error or "")
    assert row.to_address is None


async def test_gives_up_after_max_attempts(migrated_db: Any, smtp_server: SMTPServer) -> None:
    from tenohira.notify import delivery

    settings = get_settings().model_copy(update={"smtp_url": smtp_server.url})
    smtp_server.stop()
    mid = await _send(migrated_db)
    for _ in range(delivery.MAX_ATTEMPTS):
        async with migrated_db.session() as s:
            await s.execute(update(OutgoingEmail).values(next_attempt_at=datetime.now(UTC)))
        await deliver_once(migrated_db, settings, make_transport(settings))
    row = await _email(migrated_db, mid)
    assert row.state == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    assert row.to_address == "parent@example.jp"  # kept for an operator's retry
    smtp_server.start()
    from tenohira.notify.service import retry_failed

    async with migrated_db.session() as s:
        assert await retry_failed(s) == 1
    await deliver_once(migrated_db, settings, make_transport(settings))
    row = await _email(migrated_db, mid)
    assert row.state == "delivered" and row.to_address is None


async def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(migrated_db: Any) -> None:
    mid = await _send(migrated_db)
    (first,) = await claim(migrated_db)
    assert first.state == "sending"
    assert await claim(migrated_db) == []  # the lease is still running
    async with migrated_db.session() as s:  # the worker died; its lease runs out
        await s.execute(update(OutgoingEmail).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    (again,) = await claim(migrated_db)
    assert again.id == first.id and again.attempts == 2
    row = await _email(migrated_db, mid)
    assert row.state == "sending"


async def test_concurrent_workers_send_each_email_once(migrated_db: Any, smtp_server: SMTPServer) -> None:
    settings = get_settings().model_copy(update={"smtp_url": smtp_server.url})
    for i in range(30):
        await _send(migrated_db, email=f"p{i}@example.jp", recipient=f"P-{i}")
    transport = make_transport(settings)
    for _ in range(3):
        await asyncio.gather(*(deliver_once(migrated_db, settings, transport) for _ in range(3)))
    tos = sorted(e.rcpt_tos[0] for e in smtp_server.recorder.envelopes)
    assert tos == sorted(f"p{i}@example.jp" for i in range(30))
    async with migrated_db.session() as s:
        assert (await count_emails(s))["delivered"] == 30
        assert (
            list(
                await s.scalars(
                    select(OutgoingEmail.to_address_sealed).where(
                        OutgoingEmail.to_address_sealed.is_not(None)
                    )
                )
            )
            == []
        )


async def test_mailbox_resend_after_a_crash_does_not_duplicate(tmp_path: Path) -> None:
    from email.message import EmailMessage

    box = MailboxTransport(tmp_path / "mailbox")
    msg = EmailMessage()
    msg["Message-ID"] = "<abc123@tenohira.example>"
    msg["To"] = "x@example.jp"
    msg["Subject"] = "s"
    msg.set_content("b")
    await box.send(msg)
    await box.send(msg)
    assert len(read_mailbox(tmp_path / "mailbox")) == 1


def test_built_message_reads_back_exactly() -> None:
    """Long Japanese subjects fold into RFC 2047 words and parse back to the same text."""
    from email.parser import BytesParser
    from email.policy import default
    from types import SimpleNamespace

    from tenohira.core import get_settings
    from tenohira.notify.delivery import build_message

    for subject in (
        "【手のひら市】新しいお知らせがあります（期限のある手続が3件、金額の確認をお願いします）",
        "New notices",
    ):
        row = SimpleNamespace(
            id="e1",
            body="新しいお知らせが3件あります。\nログインしてご確認ください。\n" * 4,
            to_address="parent@example.jp",
            subject=subject,
            created_at=datetime.now(UTC),
        )
        raw = bytes(build_message(row, get_settings()))  # type: ignore[arg-type]
        assert all(len(line) <= 78 for line in raw.split(b"\r\n" if b"\r\n" in raw else b"\n"))
        parsed = BytesParser(policy=default).parsebytes(raw)
        assert str(parsed["Subject"]) == subject
        assert parsed["To"] == "parent@example.jp"
        assert str(parsed["Message-ID"]).startswith("<e1@")
        assert parsed.get_body(preferencelist=("plain",)).get_content() == row.body  # type: ignore[union-attr]
