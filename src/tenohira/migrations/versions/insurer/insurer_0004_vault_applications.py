"""insurer: the answers to received applications as vault ciphertexts

Revision ID: insurer_0004
Revises: insurer_0003
Create Date: 2026-11-26 09:45:00

The filed document, manifest and signature were bytes already (sealed without a schema change);
the answer (JSON) becomes bytes. Rows written before keep their plaintext as bytes until the
insurer's bootstrap seals them on the next start (only the running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "insurer_0004"
down_revision: str | Sequence[str] | None = "insurer_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ins_applications") as batch:
        batch.alter_column(
            "answer",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(answer::text, 'UTF8')",
        )
    if op.get_bind().dialect.name != "postgresql":
        # SQLite keeps the old text values in the new column: make them bytes like new rows.
        op.execute("UPDATE ins_applications SET answer = CAST(answer AS BLOB)")


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("insurer_0004 cannot be downgraded: decrypt with the vault first")
