"""Tables of push: events the hub delivered to the palm, and the notices computed from them.

Only references: the palm's own code for the person, procedure ids, dates, amounts and the
rules' explanation (which names household members by role, never by name).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class ReceivedEvent(Base):
    """An event the hub delivered (stored once per hub event id; a redelivery is acknowledged only)."""

    __tablename__ = "palm_received_events"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the hub's event id
    topic: Mapped[str] = mapped_column(String(128))
    publisher: Mapped[str] = mapped_column(String(64))
    subject_code: Mapped[str | None] = mapped_column(String(64), index=True)  # the palm's own code
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Notice(Base):
    """One procedure that now applies to the person after a life event, with deadline and amount."""

    __tablename__ = "palm_notices"
    __table_args__ = (
        UniqueConstraint("event_id", "procedure_id", name="uq_palm_notices_event_procedure"),
        Index("ix_palm_notices_owner", "owner_code", "status", "deadline"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_code: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(32))
    life_event: Mapped[str] = mapped_column(String(32))
    procedure_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # procedure | information
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_period: Mapped[str | None] = mapped_column(String(16), nullable=True)  # monthly | once
    explanation_ja: Mapped[str] = mapped_column(Text)
    explanation_en: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # what the decision rested on (sources, dates)
    status: Mapped[str] = mapped_column(String(16))  # new | dismissed | filed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # closed by filing: the application that filed the procedure, and when
    application_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


__all__ = ["Notice", "ReceivedEvent"]
