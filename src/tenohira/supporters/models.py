"""Tables of supporters: roles, delegations, help requests and the supporters' action log.

A help request is a resident asking for a person (a digital supporter). It carries the
conversation that led to it, so the resident does not have to repeat themselves. The resident
is named by a reference (the palm's code), never by name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed


def vault_person(resident_code: str) -> str:
    """The vault key id under which supporters seal what a resident said (help-request transcripts)."""
    return f"supporters:{resident_code}"


class HelpRequest(Base):
    """A request for a digital supporter: who, from where, the conversation so far, and its state."""

    __tablename__ = "supporters_help_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resident_code: Mapped[str] = mapped_column(String(96))
    source: Mapped[str] = mapped_column(String(64))  # e.g. "assistant:<conversation id>"
    reason: Mapped[str] = mapped_column(String(32))  # asked | not_understood | other
    language: Mapped[str] = mapped_column(String(8))
    # the conversation so far and the counter's note: a vault ciphertext (JSON inside) under the
    # resident's supporters key, the request id and the field bound as associated data
    transcript_sealed: Mapped[bytes] = mapped_column("transcript", LargeBinary)
    state: Mapped[str] = mapped_column(String(16))  # open | taken | closed
    taken_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # role id of the supporter
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # staff role id (counter)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_supporters_help_requests_state", "state", "created_at"),
        Index("ix_supporters_help_requests_resident", "resident_code", "created_at"),
    )

    @property
    def vault_person(self) -> str:
        return vault_person(self.resident_code)

    transcript = Sealed("transcript_sealed", kind="json", person="vault_person")


class Role(Base):
    """A person with a role on the palm side: staff, supporter or administrator.

    Kept by the person's palm code (they log in with their own card like residents). A demo
    account is first known by its card's authentication serial and bound to the palm code at
    first use (``card_serial``).
    """

    __tablename__ = "supporters_roles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    palm_code: Mapped[str | None] = mapped_column(String(96), nullable=True, index=True)
    card_serial: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # staff | supporter | administrator
    display_name: Mapped[str] = mapped_column(String(128))  # shown to residents (their supporter)
    organisation: Mapped[str | None] = mapped_column(String(128), nullable=True)
    registered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Delegation(Base):
    """A resident lets a supporter see (``read``) or prepare (``file``) procedures until ``expires_at``."""

    __tablename__ = "supporters_delegations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    resident_code: Mapped[str] = mapped_column(String(96))
    supporter_id: Mapped[str] = mapped_column(ForeignKey("supporters_roles.id"))
    procedures: Mapped[list[str]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(8))  # read | file
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    granted_card_serial: Mapped[str] = mapped_column(String(64))  # the card that granted it
    state: Mapped[str] = mapped_column(String(16))  # active | revoked | ended
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_supporters_delegations_resident", "resident_code", "state"),
        Index("ix_supporters_delegations_supporter", "supporter_id", "state"),
    )


class SupporterAction(Base):
    """One thing a supporter or staff member did for or about a resident (both named by reference)."""

    __tablename__ = "supporters_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str] = mapped_column(String(32))  # role id
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(128))  # the supporter's name as the resident knows it
    resident_code: Mapped[str] = mapped_column(String(96))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    delegation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (Index("ix_supporters_actions_resident", "resident_code", "at"),)


__all__ = ["Base", "Delegation", "HelpRequest", "Role", "SupporterAction"]
