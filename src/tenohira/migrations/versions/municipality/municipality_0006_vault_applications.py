"""municipality: the answers to received applications as vault ciphertexts

Revision ID: municipality_0006
Revises: municipality_0005
Create Date: 2026-11-26 09:45:00

The filed document, manifest and signature were bytes already (sealed without a schema change);
the answer (JSON) becomes bytes. Rows written before keep their plaintext as bytes until the
municipality's bootstrap seals them on the next start (only the running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0006"
down_revision: str | Sequence[str] | None = "municipality_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("muni_applications") as batch:
        batch.alter_column(
            "answer",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(answer::text, 'UTF8')",
        )
    if op.get_bind().dialect.name != "postgresql":
        # SQLite keeps the old text values in the new column: make them bytes like new rows.
        op.execute("UPDATE muni_applications SET answer = CAST(answer AS BLOB)")


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("municipality_0006 cannot be downgraded: decrypt with the vault first")
