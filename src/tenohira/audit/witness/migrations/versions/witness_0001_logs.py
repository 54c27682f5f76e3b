"""witness: trusted logs with their latest cosigned checkpoint, evidence of refused checkpoints

Revision ID: witness_0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "witness_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "witness_logs",
        sa.Column("origin", sa.String(length=256), nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_witness_logs")),
    )
    op.create_table(
        "witness_evidence",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=256), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("old_size", sa.BigInteger(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_evidence")),
    )
    op.create_index("ix_witness_evidence_origin", "witness_evidence", ["origin"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_witness_evidence_origin", table_name="witness_evidence")
    op.drop_table("witness_evidence")
    op.drop_table("witness_logs")
