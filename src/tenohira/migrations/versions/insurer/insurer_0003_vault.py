"""insurer: insured persons' names, readings and dates of birth as vault ciphertexts

Revision ID: insurer_0003
Revises: insurer_0002
Create Date: 2026-11-26 09:40:00

Rows written before this revision keep their plaintext as bytes and a NULL blind index; the
insurer's bootstrap seals them on the next start (only the running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "insurer_0003"
down_revision: str | Sequence[str] | None = "insurer_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_ins_persons_name_birth", table_name="ins_persons")
    with op.batch_alter_table("ins_persons") as batch:
        for column, cast in (("name", ""), ("name_kana", ""), ("birth_date", "::text")):
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_nullable=False,
                postgresql_using=f"convert_to({column}{cast}, 'UTF8')",
            )
        batch.add_column(sa.Column("name_birth_index", sa.String(64), nullable=True))
        batch.create_index(op.f("ix_ins_persons_name_birth_index"), ["name_birth_index"])
    if not postgres:
        # SQLite keeps the old text values in the new columns: make them bytes like new rows.
        op.execute(
            "UPDATE ins_persons SET name = CAST(name AS BLOB), name_kana = CAST(name_kana AS BLOB), "
            "birth_date = CAST(birth_date AS BLOB)"
        )


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("insurer_0003 cannot be downgraded: decrypt with the vault first")
