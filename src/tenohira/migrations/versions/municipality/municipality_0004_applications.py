"""municipality: application intake (signed documents, manifests, decisions)

Revision ID: municipality_0004
Revises: municipality_0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0004"
down_revision: str | Sequence[str] | None = "municipality_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "muni_applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("client_member", sa.String(length=64), nullable=False),
        sa.Column("client_reference", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.String(length=16), nullable=False),
        sa.Column("procedure", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("signer_serial", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["muni_residents.id"],
            name=op.f("fk_muni_applications_resident_id_muni_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_muni_applications")),
        sa.UniqueConstraint("client_member", "client_reference", name="uq_muni_applications_client_ref"),
    )
    op.create_index(
        op.f("ix_muni_applications_resident_id"), "muni_applications", ["resident_id"], unique=False
    )
    op.create_index(
        "ix_muni_applications_queue", "muni_applications", ["status", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("muni_applications")
