"""Tables of the assistant: conversations (with the dialogue's state) and their messages.

A conversation belongs to one resident (``owner``: the palm's code for them, or a card
reference where the palm cannot resolve one). Its ``state`` is the dialogue's memory as JSON
(life event, event date, household answers, the form being filled, forms completed), so a
conversation continues across requests and processes. ``version`` guards against two
messages of the same conversation being handled at once (optimistic locking).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class Conversation(Base):
    """One conversation of one resident with the assistant."""

    __tablename__ = "assistant_conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(96))
    language: Mapped[str] = mapped_column(String(8))  # ja | en | easy_ja
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    help_request_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 — SQLAlchemy reads it once
    __table_args__ = (Index("ix_assistant_conversations_owner", "owner", "created_at"),)


class Message(Base):
    """One message of a conversation: the resident's (``resident``) or the assistant's (``assistant``).

    Rejected input (markup, binary, too long) is stored as a placeholder, never as received.
    """

    __tablename__ = "assistant_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("assistant_conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # suggestions, form
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


__all__ = ["Base", "Conversation", "Message"]
