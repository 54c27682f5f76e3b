"""hospital: birth records' facts (due date, birth time, sex, measurements, plurality, doctor, charges)
as vault ciphertexts under the mother's key

Revision ID: hospital_0004
Revises: hospital_0003
Create Date: 2026-11-26 11:35:00

Rows written before this revision keep their plaintext as bytes (dates and times as ISO text,
numbers as their decimal text); the hospital's bootstrap seals them on the next start (only the
running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hospital_0004"
down_revision: str | Sequence[str] | None = "hospital_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("due_date", False),
    ("born_at", True),
    ("sex", True),
    ("weight_g", True),
    ("height_cm", True),
    ("gestational_weeks", True),
    ("plurality", False),
    ("certifier", True),
    ("charges", True),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("hosp_birth_records") as batch:
        for column, nullable in COLUMNS:
            # born_at: ISO 8601 in UTC, as the sealed attribute writes it
            text = (
                "to_char(born_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
                if column == "born_at"
                else f"{column}::text"
            )
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_nullable=nullable,
                postgresql_using=f"convert_to({text}, 'UTF8')",
            )
    if not postgres:
        # SQLite keeps the old values in the new columns: make them bytes like new rows.
        sets = ", ".join(f"{c} = CAST({c} AS BLOB)" for c, _ in COLUMNS)
        op.execute(f"UPDATE hosp_birth_records SET {sets}")  # noqa: S608 — fixed column names


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("hospital_0004 cannot be downgraded: decrypt with the vault first")
