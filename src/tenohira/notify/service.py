"""Sending notifications (in the caller's transaction) and reading the in-app inbox."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import get_settings
from tenohira.notify.models import InboxMessage, OutgoingEmail
from tenohira.notify.templates import InvalidNotification, render
from tenohira.vault import Vault, open_vault

CREATED, SENDING, DELIVERED, FAILED = "created", "sending", "delivered", "failed"
STATES = (CREATED, SENDING, DELIVERED, FAILED)
# Deliberately simple: one @, no spaces, a dot in the domain. SMTP has the last word.
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")

_wakeups: set[asyncio.Event] = set()


def register_wakeup(flag: asyncio.Event) -> None:
    _wakeups.add(flag)


def unregister_wakeup(flag: asyncio.Event) -> None:
    _wakeups.discard(flag)


def _wake(_session: Any) -> None:
    for flag in list(_wakeups):
        flag.set()


def _defaults() -> dict[str, Any]:
    s = get_settings()
    return {"municipality": s.municipality_name_ja, "municipality_en": s.municipality_name_en}


async def send(
    session: AsyncSession,
    *,
    recipient: str,
    template: str,
    language: str,
    params: dict[str, Any],
    email: str | None = None,
) -> str:
    """Put a message in ``recipient``'s in-app inbox and, if ``email`` is given, queue an email.

    Runs in the caller's transaction: nothing is sent unless it commits. The email goes through
    SMTP when ``TENOHIRA_SMTP_URL`` is set, else into the local mailbox, with states
    created → sending → delivered / failed and retries. ``recipient`` is a reference (never a
    name); ``params`` should carry only what the message needs and are not stored — only the
    rendered text is. Returns the inbox message id. Raises :class:`InvalidNotification`.
    """
    if not recipient or len(recipient) > 128:
        raise InvalidNotification("recipient must be a reference of 1..128 characters")
    if email is not None and (len(email) > 254 or not _EMAIL_RE.match(email)):
        raise InvalidNotification("email address is malformed")
    subject, body = render(template, language, params, _defaults())
    vault = await open_vault(get_settings())  # subjects, bodies and addresses are sealed
    now = datetime.now(UTC)
    message_id = uuid.uuid4().hex
    session.add(
        InboxMessage(
            id=message_id,
            recipient=recipient,
            template=template,
            language=language,
            subject=subject,
            body=body,
            created_at=now,
        )
    )
    if email is not None:
        session.add(
            OutgoingEmail(
                id=uuid.uuid4().hex,
                message_id=message_id,
                recipient=recipient,
                to_address=email,
                to_sha256=email_digest(vault, email),
                subject=subject,
                body=body,
                state=CREATED,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        sync = session.sync_session
        if not sa_event.contains(sync, "after_commit", _wake):
            sa_event.listen(sync, "after_commit", _wake, once=True)
    await session.flush()
    return message_id


def email_digest(vault: Vault, email: str) -> bytes:
    """The keyed digest kept of an address (``notify.email`` blind index): "was this address
    notified?" without keeping the address or a hash anyone could recompute from a guess."""
    return bytes.fromhex(vault.blind_index("notify.email", email.strip().lower()))


async def inbox(
    session: AsyncSession,
    recipients: list[str],
    *,
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[InboxMessage], int]:
    """Messages of ``recipients``, newest first, and how many are unread."""
    q = select(InboxMessage).where(InboxMessage.recipient.in_(recipients))
    if unread_only:
        q = q.where(InboxMessage.read_at.is_(None))
    rows = await session.execute(q.order_by(InboxMessage.created_at.desc()).limit(limit).offset(offset))
    unread = await session.scalar(
        select(func.count())
        .select_from(InboxMessage)
        .where(InboxMessage.recipient.in_(recipients), InboxMessage.read_at.is_(None))
    )
    return list(rows.scalars()), int(unread or 0)


async def mark_read(session: AsyncSession, recipients: list[str], message_id: str) -> InboxMessage | None:
    """Mark one of ``recipients``' messages read (idempotent); None if it is not theirs."""
    msg = await session.get(InboxMessage, message_id)
    if msg is None or msg.recipient not in recipients:
        return None
    if msg.read_at is None:
        msg.read_at = datetime.now(UTC)
        await session.flush()
    return msg


async def email_states(session: AsyncSession, message_id: str) -> list[OutgoingEmail]:
    """The emails sent for an inbox message (for status display and tests)."""
    rows = await session.execute(select(OutgoingEmail).where(OutgoingEmail.message_id == message_id))
    return list(rows.scalars())


async def count_emails(session: AsyncSession) -> dict[str, int]:
    """How many emails are in each state."""
    rows = await session.execute(select(OutgoingEmail.state, func.count()).group_by(OutgoingEmail.state))
    counts = dict.fromkeys(STATES, 0)
    counts.update({str(s): int(n) for s, n in rows})
    return counts


async def retry_failed(session: AsyncSession) -> int:
    """Operators: put failed emails that still have an address back to ``created``."""
    result = await session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.state == FAILED, OutgoingEmail.to_address_sealed.is_not(None))
        .values(state=CREATED, next_attempt_at=datetime.now(UTC), attempts=0)
    )
    return int(getattr(result, "rowcount", 0) or 0)
