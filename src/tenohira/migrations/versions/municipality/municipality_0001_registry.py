"""municipality: resident registry (districts, households, residents) and birth notifications

Revision ID: municipality_0001
Revises:
Create Date: 2026-11-26 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("municipality",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "muni_districts",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_kana", sa.String(128), nullable=False),
        sa.Column("postal_code", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muni_districts")),
    )
    op.create_table(
        "muni_households",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.String(16), nullable=False),
        sa.Column("address_line", sa.String(128), nullable=False),
        sa.Column("head_resident_id", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["muni_districts.id"], name=op.f("fk_muni_households_district_id_muni_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muni_households")),
        sa.UniqueConstraint("seq", name=op.f("uq_muni_households_seq")),
    )
    op.create_index(op.f("ix_muni_households_district_id"), "muni_households", ["district_id"])
    op.create_table(
        "muni_residents",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.String(16), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_kana", sa.String(128), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("individual_number", sa.String(12), nullable=False),
        sa.Column("insurance", sa.String(16), nullable=False),
        sa.Column("employment_insured", sa.Boolean(), nullable=False),
        sa.Column("annual_income", sa.Integer(), nullable=False),
        sa.Column("expecting_due_date", sa.Date(), nullable=True),
        sa.Column("hospital_id", sa.String(64), nullable=True),
        sa.Column("moved_in", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["muni_households.id"],
            name=op.f("fk_muni_residents_household_id_muni_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muni_residents")),
        sa.UniqueConstraint("seq", name=op.f("uq_muni_residents_seq")),
        sa.UniqueConstraint("individual_number", name=op.f("uq_muni_residents_individual_number")),
    )
    op.create_index(op.f("ix_muni_residents_household_id"), "muni_residents", ["household_id"])
    op.create_table(
        "muni_birth_notifications",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("parent_resident_id", sa.String(16), nullable=False),
        sa.Column("child_resident_id", sa.String(16), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("certificate_issuer", sa.String(256), nullable=False),
        sa.Column("certificate_digest", sa.String(64), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_resident_id"],
            ["muni_residents.id"],
            name=op.f("fk_muni_birth_notifications_parent_resident_id_muni_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["child_resident_id"],
            ["muni_residents.id"],
            name=op.f("fk_muni_birth_notifications_child_resident_id_muni_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muni_birth_notifications")),
        sa.UniqueConstraint("child_resident_id", name=op.f("uq_muni_birth_notifications_child_resident_id")),
        sa.UniqueConstraint(
            "certificate_digest", name=op.f("uq_muni_birth_notifications_certificate_digest")
        ),
    )
    op.create_index(
        op.f("ix_muni_birth_notifications_parent_resident_id"),
        "muni_birth_notifications",
        ["parent_resident_id"],
    )


def downgrade() -> None:
    op.drop_table("muni_birth_notifications")
    op.drop_table("muni_residents")
    op.drop_table("muni_households")
    op.drop_table("muni_districts")
