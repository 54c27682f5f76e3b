"""audit: the state row of the empty tree (the sequencer locks and updates it)

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-11-26
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "audit_0002"
down_revision: str | Sequence[str] | None = "audit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    state = sa.table(
        "audit_state",
        sa.column("id", sa.Integer()),
        sa.column("tree_size", sa.BigInteger()),
        sa.column("root_hash", sa.LargeBinary()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(state)).scalar() == 0:
        # RFC 9162: the hash of the empty tree is SHA-256 of the empty string.
        op.bulk_insert(
            state,
            [
                {
                    "id": 1,
                    "tree_size": 0,
                    "root_hash": hashlib.sha256(b"").digest(),
                    "updated_at": datetime.now(UTC),
                }
            ],
        )


def downgrade() -> None:
    op.execute("DELETE FROM audit_state WHERE id = 1")
