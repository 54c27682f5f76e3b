"""citydata: (min_lat, min_lon) index for the geo-query pre-filter, replacing the min_lat one

Revision ID: citydata_0004
Revises: citydata_0003
Create Date: 2026-11-26 11:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "citydata_0004"
down_revision: str | Sequence[str] | None = "citydata_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_citydata_entities_lat_lon", "citydata_entities", ["min_lat", "min_lon"])
    op.drop_index(op.f("ix_citydata_entities_min_lat"), table_name="citydata_entities")


def downgrade() -> None:
    op.create_index(op.f("ix_citydata_entities_min_lat"), "citydata_entities", ["min_lat"])
    op.drop_index("ix_citydata_entities_lat_lon", table_name="citydata_entities")
