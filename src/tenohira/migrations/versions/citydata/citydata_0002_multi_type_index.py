"""citydata: indexes for queries: multi_type (type filters use the type index) and a GIN
containment index on data (PostgreSQL; an empty partial index on SQLite)

Revision ID: citydata_0002
Revises: citydata_0001
Create Date: 2026-11-26 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "citydata_0002"
down_revision: str | Sequence[str] | None = "citydata_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_citydata_entities_multi_type"), "citydata_entities", ["multi_type"])
    op.create_index(
        "ix_citydata_entities_data",
        "citydata_entities",
        ["data"],
        postgresql_using="gin",
        postgresql_ops={"data": "jsonb_path_ops"},
        sqlite_where=sa.text("0"),
    )


def downgrade() -> None:
    op.drop_index("ix_citydata_entities_data", table_name="citydata_entities")
    op.drop_index(op.f("ix_citydata_entities_multi_type"), table_name="citydata_entities")
