"""Tables of notify: the in-app inbox and outgoing emails with their delivery state.

Subjects, bodies and addresses are vault ciphertexts (``tenohira.vault.Sealed``) under the
recipient's notify key (``notify:<recipient>``), with the row id and the field name bound as
associated data: a stolen database (or backup) reveals neither what was said nor to which
address, and erasing the recipient (``vault.shred("notify:<recipient>")``) makes every copy
unreadable. The recipient reference itself stays in clear (it is a reference, never a name,
and the inbox is looked up by it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed


def vault_person(recipient: str) -> str:
    """The vault key id under which notify seals a recipient's messages and emails."""
    return f"notify:{recipient}"


class InboxMessage(Base):
    """A message in a recipient's in-app inbox (rendered text only: the template's params are not kept)."""

    __tablename__ = "notify_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(128))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    subject_sealed: Mapped[bytes] = mapped_column("subject", LargeBinary)
    body_sealed: Mapped[bytes] = mapped_column("body", LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_notify_messages_recipient", "recipient", "created_at"),)

    @property
    def vault_person(self) -> str:
        return vault_person(self.recipient)

    subject = Sealed("subject_sealed", person="vault_person")
    body = Sealed("body_sealed", person="vault_person")


class OutgoingEmail(Base):
    """One email and where it is: created → sending → delivered / failed (retried with back-off).

    The address is kept (sealed) only while the email may still be sent; at a final state it is
    erased and only its keyed digest (``to_sha256``: the ``notify.email`` blind index, 32 bytes)
    remains, to answer "was this address notified?" without keeping it or a guessable hash.
    """

    __tablename__ = "notify_emails"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("notify_messages.id"), index=True)
    # the inbox message's recipient: whose key seals this email (same reference, no name)
    recipient: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    to_address_sealed: Mapped[bytes | None] = mapped_column("to_address", LargeBinary, nullable=True)
    to_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    subject_sealed: Mapped[bytes] = mapped_column("subject", LargeBinary)
    body_sealed: Mapped[bytes] = mapped_column("body", LargeBinary)
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

    @property
    def vault_person(self) -> str:
        return vault_person(self.recipient or self.message_id)

    to_address = Sealed("to_address_sealed", person="vault_person")
    subject = Sealed("subject_sealed", person="vault_person")
    body = Sealed("body_sealed", person="vault_person")
