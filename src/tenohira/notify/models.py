"""Tables of notify: the in-app inbox and outgoing emails with their delivery state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class InboxMessage(Base):
    """A message in a recipient's in-app inbox (rendered text only: the template's params are not kept)."""

    __tablename__ = "notify_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(128))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_notify_messages_recipient", "recipient", "created_at"),)


class OutgoingEmail(Base):
    """One email and where it is: created → sending → delivered / failed (retried with back-off).

    The address is kept only while the email may still be sent; at a final state it is erased and
    only its SHA-256 remains (to answer "was this address notified?" without keeping it).
    """

    __tablename__ = "notify_emails"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("notify_messages.id"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    to_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    transport: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_notify_emails_due", "state", "next_attempt_at"),)
