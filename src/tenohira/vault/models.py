"""Tables of vault: the catalogue of split secrets and the history of rotations.

No key material lives here: only which secrets exist, their fingerprints (to check what the
sites combine to) and the state of rotations. Keys live at the sites (see ``sites.py``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class VaultSecret(Base):
    """A secret split across the sites: a key-encryption key version or the blind-index key."""

    __tablename__ = "vault_secrets"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # "kek-0001", "index"
    purpose: Mapped[str] = mapped_column(sa.String(16))  # "kek" | "index"
    version: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)  # active | retiring | retired
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    split_id: Mapped[str] = mapped_column(sa.String(32))
    threshold: Mapped[int] = mapped_column(sa.Integer)
    sites: Mapped[list[str]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class VaultRotation(Base):
    """One rotation of the key-encryption key: re-wrapping every data key under a new version."""

    __tablename__ = "vault_rotations"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    from_version: Mapped[int] = mapped_column(sa.Integer)
    to_version: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)  # running | done
    total: Mapped[int] = mapped_column(sa.Integer)
    done: Mapped[int] = mapped_column(sa.Integer)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
