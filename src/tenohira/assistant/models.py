"""Tables of the assistant: conversations (with the dialogue's state) and their messages.

A conversation belongs to one resident (``owner``: the palm's code for them, or a card
reference where the palm cannot resolve one). Its ``state`` is the dialogue's memory as JSON
(life event, event date, household answers, the form being filled, forms completed), so a
conversation continues across requests and processes. ``version`` guards against two
messages of the same conversation being handled at once (optimistic locking).

What the resident typed, what the assistant answered, the dialogue's state and the messages'
data are vault ciphertexts (``tenohira.vault.Sealed``) under the owner's assistant key
(``assistant:<owner>``), with the record (conversation id, or conversation id and message seq)
and the field bound as associated data. Erasing the owner's key makes every copy unreadable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed


def vault_person(owner: str) -> str:
    """The vault key id under which the assistant seals an owner's conversations."""
    return f"assistant:{owner}"


class Conversation(Base):
    """One conversation of one resident with the assistant."""

    __tablename__ = "assistant_conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(96))
    language: Mapped[str] = mapped_column(String(8))  # ja | en | easy_ja
    state_sealed: Mapped[bytes] = mapped_column("state", LargeBinary)
    help_request_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 — SQLAlchemy reads it once
    __table_args__ = (Index("ix_assistant_conversations_owner", "owner", "created_at"),)

    @property
    def vault_person(self) -> str:
        return vault_person(self.owner)

    state = Sealed("state_sealed", kind="json", person="vault_person")


class Message(Base):
    """One message of a conversation: the resident's (``resident``) or the assistant's (``assistant``).

    Rejected input (markup, binary, too long) is stored as a placeholder, never as received.
    """

    __tablename__ = "assistant_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("assistant_conversations.id"), index=True)
    # the conversation's owner (a reference, never a name): whose key seals the message
    owner: Mapped[str | None] = mapped_column(String(96), nullable=True, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text_sealed: Mapped[bytes] = mapped_column("text", LargeBinary)
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data_sealed: Mapped[bytes | None] = mapped_column("data", LargeBinary, nullable=True)  # suggestions, form
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def vault_person(self) -> str:
        return vault_person(self.owner or self.conversation_id)

    @property
    def vault_record(self) -> str:
        """The record bound to the ciphertexts: the id is assigned only at insert, the seq before."""
        return f"{self.conversation_id}/{self.seq}"

    text = Sealed("text_sealed", person="vault_person", record="vault_record")
    data = Sealed("data_sealed", kind="json", person="vault_person", record="vault_record")


__all__ = ["Base", "Conversation", "Message"]
