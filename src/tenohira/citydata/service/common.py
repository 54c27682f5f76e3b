"""What every NGSI-LD operation shares: stored rows, changes, dialects and the type column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata import fastjson
from tenohira.citydata.jsonld import NGSI_LD, ActiveContext
from tenohira.citydata.models import Entity

LOCATION_IRI = NGSI_LD + "location"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 20
NULL_IRI = "urn:ngsi-ld:null"
_KEEP: Any = object()  # "leave the scope as it is" in _save
_T = cast(sa.Table, Entity.__table__)


@dataclass
class Change:
    """An entity that was created or changed, and which attributes (expanded) changed."""

    entity_id: str
    attributes: set[str] = field(default_factory=set)
    created: bool = False


@dataclass
class UpdateResult:
    """NGSI-LD UpdateResult: attributes updated and not updated (with reasons)."""

    updated: list[str] = field(default_factory=list)
    not_updated: list[dict[str, str]] = field(default_factory=list)


def dialect_of(session: AsyncSession) -> str:
    """The SQL dialect of the session's database (postgresql or sqlite)."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


# The ``type`` column of an entity with several types: type filters read ``type IN (:t, MULTI)``,
# one index lookup on both databases, and check the ``types`` list only for those rows.
MULTI_TYPE = "@multiple"


def type_column(types: list[str]) -> str:
    """What the indexed ``type`` column holds for these (expanded) types."""
    return types[0] if len(types) == 1 else MULTI_TYPE


def _row_values(p: ent.ParsedEntity, now: datetime) -> dict[str, Any]:
    return {
        "id": p.id,
        "type": type_column(p.types),
        "multi_type": len(p.types) > 1,
        "types": p.types,
        "scope": p.scope,
        "data": p.attrs,
        "created_at": now,
        "modified_at": now,
        **_box_values(p.attrs),
    }


def _box_values(attrs: dict[str, Any]) -> dict[str, Any]:
    box = ent.bbox_of(attrs, LOCATION_IRI)
    return {
        "min_lon": box[0] if box else None,
        "min_lat": box[1] if box else None,
        "max_lon": box[2] if box else None,
        "max_lat": box[3] if box else None,
        "geo_extended": box is not None and (box[0] != box[2] or box[1] != box[3]),
    }


@dataclass
class StoredEntity:
    id: str
    types: list[str]
    data: dict[str, Any]
    created_at: datetime
    modified_at: datetime
    scope: list[str] | None

    def render(self, ctx: ActiveContext, opts: ent.RenderOptions) -> dict[str, Any]:
        return ent.render_entity(
            self.id,
            self.types,
            self.data,
            ctx,
            opts,
            created_at=self.created_at,
            modified_at=self.modified_at,
            scope=self.scope,
        )


_COLUMNS = (_T.c.id, _T.c.types, _T.c.data, _T.c.created_at, _T.c.modified_at, _T.c.scope)


def _stored(row: Any) -> StoredEntity:
    return StoredEntity(row.id, list(row.types), dict(row.data), row.created_at, row.modified_at, row.scope)


# The query path reads the JSON columns as text and parses them itself (orjson, see
# ``fastjson``): several times faster than the drivers' json.loads for pages of entities.
_TEXT_COLUMNS = (
    _T.c.id,
    sa.cast(_T.c.types, sa.Text).label("types"),
    sa.cast(_T.c.data, sa.Text).label("data"),
    _T.c.created_at,
    _T.c.modified_at,
    sa.cast(_T.c.scope, sa.Text).label("scope"),
)


_TEXT_SELECT = "id, CAST(types AS TEXT), CAST(data AS TEXT), created_at, modified_at, CAST(scope AS TEXT)"


def _stored_text(row: Any) -> StoredEntity:
    """An entity from a row of ``_TEXT_COLUMNS`` (a SQLAlchemy row or an asyncpg record)."""
    # types and scope are validated lists of strings: no long numbers in them.
    scope = row[5]
    return StoredEntity(
        row[0],
        orjson.loads(row[1]),
        fastjson.loads(row[2]),
        row[3],
        row[4],
        None if scope is None or scope == "null" else orjson.loads(scope),
    )
