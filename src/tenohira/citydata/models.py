"""Tables of citydata: NGSI-LD entities, subscriptions and hosted @contexts.

Entities are stored in expanded form (attribute names and types as IRIs) as one JSON
document per entity: JSONB on PostgreSQL, JSON1 text on SQLite. The first type and the
bounding box of the ``location`` GeoProperty are copied into plain columns so that the
common filters (type, geo-query pre-filter) use indexes on both databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

# JSONB in production (indexable, binary), JSON text on SQLite; the same model for both.
JsonDoc = sa.JSON().with_variant(JSONB(), "postgresql")


class Entity(Base):
    """One NGSI-LD entity (expanded names; ``data`` maps attribute IRI -> attribute or instances)."""

    __tablename__ = "citydata_entities"

    id: Mapped[str] = mapped_column(sa.String(1024), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(1024), index=True)
    # True when the entity has more than one type: type filters then look at ``types`` too.
    multi_type: Mapped[bool] = mapped_column(sa.Boolean, default=False, index=True)
    types: Mapped[list[str]] = mapped_column(JsonDoc)
    scope: Mapped[list[str] | None] = mapped_column(JsonDoc, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Bounding box of the ``location`` GeoProperty (None without one): geo-query pre-filter.
    min_lon: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    min_lat: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    max_lon: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    max_lat: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    # True when that box has an extent (not a point): such rows are pre-filtered by overlap.
    geo_extended: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false(), index=True
    )


# Geo-query pre-filter: a point's corner must lie in the query's box, a two-sided range on
# min_lat and on min_lon that this index answers without reading the rows outside the box.
sa.Index("ix_citydata_entities_lat_lon", Entity.min_lat, Entity.min_lon)

# Containment (@>) index for equality terms of q on PostgreSQL. SQLite has no such index
# type: there the index is declared partial with an always-false predicate, so it stays
# empty and costs nothing, while models and migrations stay the same on both databases.
sa.Index(
    "ix_citydata_entities_data",
    Entity.data,
    postgresql_using="gin",
    postgresql_ops={"data": "jsonb_path_ops"},
    sqlite_where=sa.text("0"),
)


class Subscription(Base):
    """An NGSI-LD subscription: the request body (compacted, as the user wrote it) plus state."""

    __tablename__ = "citydata_subscriptions"

    id: Mapped[str] = mapped_column(sa.String(1024), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    context: Mapped[Any] = mapped_column(JsonDoc, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class HostedContext(Base):
    """A user @context served by this broker at /ngsi-ld/v1/jsonldContexts/{id}."""

    __tablename__ = "citydata_contexts"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    body: Mapped[Any] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class RemoteContext(Base):
    """A remote @context fetched by URL (citydata.remote), kept as long as its server allows."""

    __tablename__ = "citydata_remote_contexts"

    url: Mapped[str] = mapped_column(sa.String(2048), primary_key=True)
    body: Mapped[Any] = mapped_column(JsonDoc)
    fetched_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    etag: Mapped[str | None] = mapped_column(sa.String(1024), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(sa.String(128), nullable=True)
