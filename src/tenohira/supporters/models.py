"""Tables of supporters: help requests (so far; delegations and assisted sessions come later).

A help request is a resident asking for a person (a digital supporter). It carries the
conversation that led to it, so the resident does not have to repeat themselves. The resident
is named by a reference (the palm's code), never by name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class HelpRequest(Base):
    """A request for a digital supporter: who, from where, the conversation so far, and its state."""

    __tablename__ = "supporters_help_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resident_code: Mapped[str] = mapped_column(String(96))
    source: Mapped[str] = mapped_column(String(64))  # e.g. "assistant:<conversation id>"
    reason: Mapped[str] = mapped_column(String(32))  # asked | not_understood | other
    language: Mapped[str] = mapped_column(String(8))
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))  # open | taken | closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_supporters_help_requests_state", "state", "created_at"),
        Index("ix_supporters_help_requests_resident", "resident_code", "created_at"),
    )


__all__ = ["Base", "HelpRequest"]
