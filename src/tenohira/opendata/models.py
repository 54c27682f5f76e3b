"""Tables of opendata: organisations, datasets, resources and their dated releases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base


class Organization(Base):
    """A publisher (CKAN organization, DCAT publisher)."""

    __tablename__ = "opendata_organizations"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    municipality_code: Mapped[str] = mapped_column(sa.String(6))
    created: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Dataset(Base):
    """A dataset (CKAN package, DCAT dataset)."""

    __tablename__ = "opendata_datasets"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    notes_en: Mapped[str] = mapped_column(sa.Text, default="")
    organization_id: Mapped[str] = mapped_column(sa.ForeignKey("opendata_organizations.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # statistics | standard
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    license_id: Mapped[str] = mapped_column(sa.String(40), default="CC-BY-4.0")
    frequency: Mapped[str] = mapped_column(sa.String(40), default="MONTHLY")
    temporal_start: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    temporal_end: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    spatial: Mapped[str] = mapped_column(sa.String(6))
    columns: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    chart: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    created: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    modified: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Release(Base):
    """One published, immutable version of a dataset's table."""

    __tablename__ = "opendata_releases"
    __table_args__ = (sa.UniqueConstraint("dataset_id", "version"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("opendata_datasets.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(40))
    released_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reference_date: Mapped[date] = mapped_column(sa.Date)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    row_count: Mapped[int] = mapped_column(sa.Integer)
    suppressed_cells: Mapped[int] = mapped_column(sa.Integer, default=0)
    threshold: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # the transparency log's newest witnessed checkpoint when this was released (a copy the
    # operator cannot take back: tenohira audit verify --published checks it)
    audit_checkpoint: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
