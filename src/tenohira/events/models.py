"""Tables of events: the transactional outbox and the record of what each subscriber has processed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


class OutboxEvent(Base):
    """An event written in the publisher's transaction; delivered after commit, at least once.

    ``dispatched_at`` is set once every subscriber has processed it (embedded bus) or once
    JetStream has acknowledged it (NATS bus: the broker then owns delivery).
    """

    __tablename__ = "events_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_events_outbox_pending", "dispatched_at", "id"),)


class ProcessedEvent(Base):
    """Subscriber ``subscriber`` has processed event ``event_id``; written in the handler's transaction."""

    __tablename__ = "events_processed"

    subscriber: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
