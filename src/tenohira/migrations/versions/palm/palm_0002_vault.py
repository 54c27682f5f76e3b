"""palm: residents' email addresses, application fields, documents and decisions as vault ciphertexts

Revision ID: palm_0002
Revises: palm_0001
Create Date: 2026-11-26 09:45:00

Rows written before this revision keep their plaintext as bytes; the palm's bootstrap seals them
on the next start (only the running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "palm_0002"
down_revision: str | Sequence[str] | None = "palm_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("palm_people") as batch:
        batch.alter_column(
            "email",
            type_=sa.LargeBinary(),
            existing_nullable=True,
            postgresql_using="convert_to(email, 'UTF8')",
        )
    with op.batch_alter_table("palm_applications") as batch:
        batch.alter_column(
            "fields",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(fields::text, 'UTF8')",
        )
        batch.alter_column(
            "decision",
            type_=sa.LargeBinary(),
            existing_nullable=True,
            postgresql_using="convert_to(decision::text, 'UTF8')",
        )
    if not postgres:
        # SQLite keeps the old text values in the new columns: make them bytes like new rows.
        op.execute("UPDATE palm_people SET email = CAST(email AS BLOB)")
        op.execute(
            "UPDATE palm_applications SET fields = CAST(fields AS BLOB), decision = CAST(decision AS BLOB)"
        )


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("palm_0002 cannot be downgraded: decrypt with the vault first")
