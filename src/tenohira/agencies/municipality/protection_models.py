"""Table of address-protection measures (支援措置), kept apart so that loading models stays light."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class ProtectionMeasure(Base):
    """One support measure (支援措置) for a resident: in force from ``starts_on`` until ``ends_on``."""

    __tablename__ = "muni_protection_measures"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    resident_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_residents.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)  # 1 year, renewable
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    lifted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
