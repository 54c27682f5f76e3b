"""supporters: help requests (with the conversation that led to them)

Revision ID: supporters_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supporters_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("supporters",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supporters_help_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("resident_code", sa.String(length=96), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporters_help_requests")),
    )
    op.create_index(
        "ix_supporters_help_requests_state", "supporters_help_requests", ["state", "created_at"], unique=False
    )
    op.create_index(
        "ix_supporters_help_requests_resident",
        "supporters_help_requests",
        ["resident_code", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_supporters_help_requests_resident", table_name="supporters_help_requests")
    op.drop_index("ix_supporters_help_requests_state", table_name="supporters_help_requests")
    op.drop_table("supporters_help_requests")
