"""Tables of audit: entries (the leaves), stored subtree hashes, the tree state and signed tree heads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    """One logged event. ``leaf_index`` is assigned later by the sequencer (NULL until then).

    The entry is appended in the caller's transaction; the leaf hash is computed at append time
    from the canonical encoding of the other fields (see :mod:`tenohira.audit.leaf`), so the
    sequencer only orders leaves and never rewrites their content.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    type: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))

    __table_args__ = (Index("ix_audit_entries_subject", "subject"),)


class AuditNode(Base):
    """Hash of a complete (perfect) subtree of level >= 1: leaves [index·2^level, (index+1)·2^level).

    Level-0 hashes live in ``audit_entries.leaf_hash``. Only complete subtrees are stored, so a node
    never changes once written; any proof needs O(log n) of them.
    """

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditState(Base):
    """The single row (id = 1) with the sequenced tree size and root; updating it is the sequencer lock."""

    __tablename__ = "audit_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditTreeHead(Base):
    """A signed tree head (RFC 9162 TreeHeadDataV2 signed with the log key)."""

    __tablename__ = "audit_tree_heads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_id: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCosignature(Base):
    """A witness's cosignature of one of the log's checkpoints (C2SP tlog-cosignature/v1 line)."""

    __tablename__ = "audit_cosignatures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    witness: Mapped[str] = mapped_column(String(256))
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp: Mapped[int] = mapped_column(BigInteger)  # POSIX seconds, from the cosignature
    line: Mapped[str] = mapped_column(String(512))

    __table_args__ = (Index("ix_audit_cosignatures_witness_tree_size", "witness", "tree_size"),)
