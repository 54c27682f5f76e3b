"""hospital: delivery charges and the direct-payment lump-sum claim of a birth

Revision ID: hospital_0002
Revises: hospital_0001
Create Date: 2026-11-26 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hospital_0002"
down_revision: str | Sequence[str] | None = "hospital_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hosp_birth_records") as batch:
        batch.add_column(sa.Column("charges", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lump_sum_claim", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hosp_birth_records") as batch:
        batch.drop_column("lump_sum_claim")
        batch.drop_column("charges")
