"""citydata: cache of remote @context documents fetched by URL

Revision ID: citydata_0005
Revises: citydata_0004
Create Date: 2026-12-02 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "citydata_0005"
down_revision: str | Sequence[str] | None = "citydata_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citydata_remote_contexts",
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(length=1024), nullable=True),
        sa.Column("last_modified", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_citydata_remote_contexts")),
    )


def downgrade() -> None:
    op.drop_table("citydata_remote_contexts")
