"""municipality: personal fields as vault ciphertexts, blind indexes for lookups

Revision ID: municipality_0003
Revises: municipality_0002
Create Date: 2026-11-26 08:20:00

Rows written before this revision keep their plaintext as bytes (no vault format byte) and
NULL blind indexes; the municipality bootstrap encrypts them on the next start
(``repository.encrypt_legacy_rows``), because only the running platform holds the keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "municipality_0003"
down_revision: str | Sequence[str] | None = "municipality_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESIDENT_TEXT = ("name", "name_kana", "individual_number")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("muni_residents") as batch:
        batch.drop_constraint("uq_muni_residents_individual_number", type_="unique")
        for column in _RESIDENT_TEXT:
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_nullable=False,
                postgresql_using=f"convert_to({column}, 'UTF8')",
            )
        for column, nullable in (("birth_date", False), ("moved_in", False), ("expecting_due_date", True)):
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_nullable=nullable,
                postgresql_using=f"convert_to({column}::text, 'UTF8')",
            )
        batch.add_column(sa.Column("individual_number_index", sa.String(64), nullable=True))
        batch.add_column(sa.Column("name_birth_index", sa.String(64), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_muni_residents_individual_number_index"), ["individual_number_index"]
        )
        batch.create_index(op.f("ix_muni_residents_name_birth_index"), ["name_birth_index"])
    with op.batch_alter_table("muni_households") as batch:
        batch.alter_column(
            "address_line",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(address_line, 'UTF8')",
        )
    if not postgres:
        # SQLite keeps the old text values in the new columns: make them bytes like new rows.
        op.execute(
            "UPDATE muni_residents SET name = CAST(name AS BLOB), name_kana = CAST(name_kana AS BLOB), "
            "individual_number = CAST(individual_number AS BLOB), birth_date = CAST(birth_date AS BLOB), "
            "moved_in = CAST(moved_in AS BLOB), expecting_due_date = CAST(expecting_due_date AS BLOB)"
        )
        op.execute("UPDATE muni_households SET address_line = CAST(address_line AS BLOB)")


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("municipality_0003 cannot be downgraded: decrypt with the vault first")
