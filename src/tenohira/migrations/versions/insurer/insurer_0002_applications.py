"""insurer: application intake (signed documents, manifests, decisions)

Revision ID: insurer_0002
Revises: insurer_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "insurer_0002"
down_revision: str | Sequence[str] | None = "insurer_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ins_applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("client_member", sa.String(length=64), nullable=False),
        sa.Column("client_reference", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=16), nullable=False),
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
            ["person_id"], ["ins_persons.id"], name=op.f("fk_ins_applications_person_id_ins_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ins_applications")),
        sa.UniqueConstraint("client_member", "client_reference", name="uq_ins_applications_client_ref"),
    )
    op.create_index(op.f("ix_ins_applications_person_id"), "ins_applications", ["person_id"], unique=False)
    op.create_index("ix_ins_applications_queue", "ins_applications", ["status", "received_at"], unique=False)


def downgrade() -> None:
    op.drop_table("ins_applications")
