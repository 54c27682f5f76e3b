"""What the notify API returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tenohira.notify.models import InboxMessage


class MessageOut(BaseModel):
    id: str
    template: str
    language: str
    subject: str
    body: str
    created_at: datetime
    read: bool
    read_at: datetime | None

    @classmethod
    def of(cls, m: InboxMessage) -> MessageOut:
        return cls(
            id=m.id,
            template=m.template,
            language=m.language,
            subject=m.subject,
            body=m.body,
            created_at=m.created_at,
            read=m.read_at is not None,
            read_at=m.read_at,
        )


class InboxOut(BaseModel):
    unread: int
    messages: list[MessageOut]


class MailboxEmailOut(BaseModel):
    id: str
    to: str
    subject: str
    date: str
    message_id: str
    body: str


class MailboxOut(BaseModel):
    """The embedded local mailbox (what would have gone out by SMTP)."""

    count: int
    emails: list[MailboxEmailOut]
