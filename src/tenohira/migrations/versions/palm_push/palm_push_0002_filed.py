"""palm push: a notice is closed when the procedure it announces is filed

Revision ID: palm_push_0002
Revises: palm_push_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "palm_push_0002"
down_revision: str | Sequence[str] | None = "palm_push_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("palm_notices") as batch:
        batch.add_column(sa.Column("application_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("palm_notices") as batch:
        batch.drop_column("filed_at")
        batch.drop_column("application_id")
