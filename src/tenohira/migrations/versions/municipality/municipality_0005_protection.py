"""municipality: address-protection measures (支援措置) for the protection-status hub service

Revision ID: municipality_0005
Revises: municipality_0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0005"
down_revision: str | Sequence[str] | None = "municipality_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "muni_protection_measures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resident_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["muni_residents.id"],
            name=op.f("fk_muni_protection_measures_resident_id_muni_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muni_protection_measures")),
    )
    op.create_index(
        op.f("ix_muni_protection_measures_resident_id"),
        "muni_protection_measures",
        ["resident_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("muni_protection_measures")
