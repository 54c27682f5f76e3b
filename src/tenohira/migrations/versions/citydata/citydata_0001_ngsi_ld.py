"""citydata: NGSI-LD entities, subscriptions and hosted contexts

Revision ID: citydata_0001
Revises:
Create Date: 2026-11-26 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "citydata_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("citydata",)
depends_on: str | Sequence[str] | None = None

JsonDoc = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "citydata_entities",
        sa.Column("id", sa.String(1024), nullable=False),
        sa.Column("type", sa.String(1024), nullable=False),
        sa.Column("multi_type", sa.Boolean(), nullable=False),
        sa.Column("types", JsonDoc, nullable=False),
        sa.Column("scope", JsonDoc, nullable=True),
        sa.Column("data", JsonDoc, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=True),
        sa.Column("min_lat", sa.Float(), nullable=True),
        sa.Column("max_lon", sa.Float(), nullable=True),
        sa.Column("max_lat", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citydata_entities")),
    )
    op.create_index(op.f("ix_citydata_entities_type"), "citydata_entities", ["type"])
    op.create_index(op.f("ix_citydata_entities_min_lat"), "citydata_entities", ["min_lat"])
    op.create_table(
        "citydata_subscriptions",
        sa.Column("id", sa.String(1024), nullable=False),
        sa.Column("data", JsonDoc, nullable=False),
        sa.Column("context", JsonDoc, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citydata_subscriptions")),
    )
    op.create_table(
        "citydata_contexts",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("body", JsonDoc, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citydata_contexts")),
    )


def downgrade() -> None:
    op.drop_table("citydata_contexts")
    op.drop_table("citydata_subscriptions")
    op.drop_index(op.f("ix_citydata_entities_min_lat"), table_name="citydata_entities")
    op.drop_index(op.f("ix_citydata_entities_type"), table_name="citydata_entities")
    op.drop_table("citydata_entities")
