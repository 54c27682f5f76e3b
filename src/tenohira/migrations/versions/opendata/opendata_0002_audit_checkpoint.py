"""opendata: each release carries the transparency log's witnessed checkpoint

Revision ID: opendata_0002
Revises: opendata_0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "opendata_0002"
down_revision: str | Sequence[str] | None = "opendata_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("opendata_releases") as batch:
        batch.add_column(sa.Column("audit_checkpoint", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("opendata_releases") as batch:
        batch.drop_column("audit_checkpoint")
