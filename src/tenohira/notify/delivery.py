"""The email worker: claims due emails, sends them, records the outcome, retries with back-off.

A claim is a conditional UPDATE (created and due, or sending with an expired lease) so several
workers never send the same email at once; a worker killed mid-send leaves the lease to expire
and the email is sent again — with the same Message-ID, so a receiving system can drop the repeat.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

import structlog
from sqlalchemy import and_, or_, select, update

from tenohira.core.config import Settings
from tenohira.core.db import Database
from tenohira.notify.models import OutgoingEmail
from tenohira.notify.service import CREATED, DELIVERED, FAILED, SENDING
from tenohira.notify.transports import MailboxTransport, MailTransport, PermanentFailure, SMTPTransport
from tenohira.vault import open_vault

log = structlog.get_logger("tenohira.notify")

MAX_ATTEMPTS = 6
LEASE = timedelta(seconds=120)


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` tries: 5 s, 10 s, 20 s … capped at an hour, ±20 %."""
    return float(min(3600.0, 5.0 * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2))


def make_transport(settings: Settings) -> MailTransport:
    """SMTP when ``TENOHIRA_SMTP_URL`` is set, else the local mailbox under data_dir/mailbox."""
    if settings.smtp_url:
        return SMTPTransport(settings.smtp_url)
    return MailboxTransport(settings.data_dir / "mailbox")


def build_message(row: OutgoingEmail, settings: Settings) -> Message:
    """The email as it leaves: UTF-8 text, headers RFC 2047-encoded, a Message-ID stable across retries.

    Built with the classic (compat32) API: the same bytes on the wire as ``EmailMessage``, at a
    sixth of the CPU — the modern header registry parses every header it is given again.
    """
    msg = MIMEText(row.body, "plain", "utf-8")
    msg["From"] = formataddr((settings.municipality_name_ja, settings.mail_from), charset="utf-8")
    msg["To"] = row.to_address or ""
    msg["Subject"] = Header(row.subject, "utf-8", header_name="Subject").encode()
    msg["Date"] = format_datetime(
        row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    )
    # Stable across retries: the same email keeps its Message-ID.
    msg["Message-ID"] = f"<{row.id}@{settings.mail_from.split('@')[-1]}>"
    return msg


async def claim(db: Database, limit: int = 20, lease: timedelta = LEASE) -> list[OutgoingEmail]:
    """Take up to ``limit`` due emails for this worker (state → sending, with a lease)."""
    now = datetime.now(UTC)
    due = or_(
        and_(OutgoingEmail.state == CREATED, OutgoingEmail.next_attempt_at <= now),
        and_(OutgoingEmail.state == SENDING, OutgoingEmail.lease_until < now),
    )
    async with db.session() as session:
        ids = list(
            await session.scalars(
                select(OutgoingEmail.id).where(due).order_by(OutgoingEmail.next_attempt_at).limit(limit)
            )
        )
        if not ids:
            return []
        # one conditional UPDATE for the lot: a row another worker took meanwhile no longer
        # matches ``due`` and is not returned
        taken = list(
            await session.scalars(
                update(OutgoingEmail)
                .where(OutgoingEmail.id.in_(ids), due)
                .values(
                    state=SENDING,
                    lease_until=now + lease,
                    attempts=OutgoingEmail.attempts + 1,
                    updated_at=now,
                )
                .returning(OutgoingEmail.id)
            )
        )
        if not taken:
            return []
        rows = await session.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.id.in_(taken))
            .order_by(OutgoingEmail.next_attempt_at)
            .execution_options(populate_existing=True)
        )
        return list(rows)


def _scrub(error: str, row: OutgoingEmail) -> str:
    """An error text without the address (SMTP refusals quote it; errors are kept in clear)."""
    address = row.to_address
    return error.replace(address, "<address>") if address else error


async def _finish(db: Database, row: OutgoingEmail, **values: object) -> None:
    async with db.session() as session:
        await session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == row.id, OutgoingEmail.state == SENDING)
            .values(updated_at=datetime.now(UTC), lease_until=None, **values)
        )


async def deliver_once(
    db: Database, settings: Settings, transport: MailTransport, *, lease: timedelta = LEASE
) -> int:
    """Send what is due; returns how many emails reached a final or retry state this round."""
    await open_vault(settings)  # addresses, subjects and bodies are sealed (tenohira.vault)
    rows = await claim(db, lease=lease)
    for row in rows:
        try:
            await transport.send(build_message(row, settings))
        except PermanentFailure as exc:
            error = _scrub(str(exc), row)[:2000]
            log.warning("email failed permanently", email_id=row.id, error=error)
            await _finish(
                db, row, state=FAILED, last_error=error, to_address_sealed=None, transport=transport.name
            )
            continue
        except Exception as exc:
            error = _scrub(f"{type(exc).__name__}: {exc}", row)[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                log.warning("email failed after retries", email_id=row.id, attempts=row.attempts, error=error)
                # The address stays: the cause was on our side or the network, and an operator
                # may send it again (``tenohira notify retry-failed``) once it is fixed.
                await _finish(db, row, state=FAILED, last_error=error, transport=transport.name)
            else:
                delay = timedelta(seconds=backoff(row.attempts))
                await _finish(
                    db, row, state=CREATED, last_error=error, next_attempt_at=datetime.now(UTC) + delay
                )
            continue
        # Delivered: the address has served its purpose and is erased (its hash stays).
        await _finish(
            db,
            row,
            state=DELIVERED,
            delivered_at=datetime.now(UTC),
            to_address_sealed=None,
            last_error=None,
            transport=transport.name,
        )
    return len(rows)
