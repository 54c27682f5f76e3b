"""audit: witnesses' cosignatures of the log's checkpoints

Revision ID: audit_0003
Revises: audit_0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "audit_0003"
down_revision: str | Sequence[str] | None = "audit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_cosignatures",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("witness", sa.String(length=256), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cosignatures")),
    )
    op.create_index(
        "ix_audit_cosignatures_witness_tree_size",
        "audit_cosignatures",
        ["witness", "tree_size"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_cosignatures_witness_tree_size", table_name="audit_cosignatures")
    op.drop_table("audit_cosignatures")
