"""municipality: the move-out facts (転出証明情報) received from another city

Revision ID: municipality_0007
Revises: municipality_0006
Create Date: 2026-12-03 07:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0007"
down_revision: str | Sequence[str] | None = "municipality_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "muni_move_out_facts",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("from_municipality", sa.String(6), nullable=False),
        sa.Column("district_id", sa.String(13), nullable=False),
        sa.Column("planned_move_date", sa.Date(), nullable=False),
        sa.Column("facts", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_muni_move_out_facts")),
    )


def downgrade() -> None:
    op.drop_table("muni_move_out_facts")
