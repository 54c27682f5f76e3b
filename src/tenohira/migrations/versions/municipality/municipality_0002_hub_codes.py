"""municipality: hub agency codes of residents

Revision ID: municipality_0002
Revises: municipality_0001
Create Date: 2026-11-26 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0002"
down_revision: str | Sequence[str] | None = "municipality_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "muni_hub_codes",
        sa.Column("resident_id", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["muni_residents.id"], name=op.f("fk_muni_hub_codes_resident_id_muni_residents")
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_muni_hub_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_muni_hub_codes_code")),
    )


def downgrade() -> None:
    op.drop_table("muni_hub_codes")
