"""The witness's own tables, in its own database (their own metadata and Alembic history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tenohira.core.db import NAMING_CONVENTION

BigId = BigInteger().with_variant(Integer(), "sqlite")


class WitnessBase(DeclarativeBase):
    """Declarative base of the witness: none of the platform's tables are in its database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WitnessLog(WitnessBase):
    """A log the witness trusts, and the latest checkpoint it cosigned for it (size 0: none yet)."""

    __tablename__ = "witness_logs"

    origin: Mapped[str] = mapped_column(String(256), primary_key=True)
    vkey: Mapped[str] = mapped_column(Text)
    tree_size: Mapped[int] = mapped_column(BigInteger, default=0)
    root_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    checkpoint: Mapped[str | None] = mapped_column(Text, nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WitnessEvidence(WitnessBase):
    """A checkpoint signed by the log that the witness refused (a fork or a rollback attempt).

    Kept because it proves the log misbehaved; only the log's key can make one, so strangers
    cannot fill this table.
    """

    __tablename__ = "witness_evidence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(256), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(64))
    old_size: Mapped[int] = mapped_column(BigInteger)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    request: Mapped[str] = mapped_column(Text)
