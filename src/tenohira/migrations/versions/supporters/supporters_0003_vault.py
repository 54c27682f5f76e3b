"""supporters: help-request transcripts (the conversation so far, the counter's note) as vault ciphertexts

Revision ID: supporters_0003
Revises: supporters_0002
Create Date: 2026-11-26 11:25:00

Rows written before this revision keep their plaintext JSON as bytes; supporters' bootstrap seals
them on the next start (only the running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supporters_0003"
down_revision: str | Sequence[str] | None = "supporters_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("supporters_help_requests") as batch:
        batch.alter_column(
            "transcript",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(transcript::text, 'UTF8')",
        )
    if not postgres:
        # SQLite keeps the old text values in the new column: make them bytes like new rows.
        op.execute("UPDATE supporters_help_requests SET transcript = CAST(transcript AS BLOB)")


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("supporters_0003 cannot be downgraded: decrypt with the vault first")
