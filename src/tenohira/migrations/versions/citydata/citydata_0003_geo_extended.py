"""citydata: geo_extended flag so that point geo-queries use a two-sided min_lat range

Revision ID: citydata_0003
Revises: citydata_0002
Create Date: 2026-11-26 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "citydata_0003"
down_revision: str | Sequence[str] | None = "citydata_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citydata_entities") as batch:
        batch.add_column(sa.Column("geo_extended", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f("ix_citydata_entities_geo_extended"), "citydata_entities", ["geo_extended"])
    op.execute(
        "UPDATE citydata_entities SET geo_extended = TRUE "
        "WHERE min_lat IS NOT NULL AND (min_lat <> max_lat OR min_lon <> max_lon)"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_citydata_entities_geo_extended"), table_name="citydata_entities")
    with op.batch_alter_table("citydata_entities") as batch:
        batch.drop_column("geo_extended")
