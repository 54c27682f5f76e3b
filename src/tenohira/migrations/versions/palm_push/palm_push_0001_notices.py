"""palm push: events received through the hub, notices

Revision ID: palm_push_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "palm_push_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("palm_push",)
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "palm_received_events",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("publisher", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", TZ, nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_palm_received_events")),
    )
    op.create_index(
        op.f("ix_palm_received_events_subject_code"), "palm_received_events", ["subject_code"], unique=False
    )
    op.create_table(
        "palm_notices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_code", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("life_event", sa.String(length=32), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("amount_period", sa.String(length=16), nullable=True),
        sa.Column("explanation_ja", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("dismissed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_palm_notices")),
        sa.UniqueConstraint("event_id", "procedure_id", name="uq_palm_notices_event_procedure"),
    )
    op.create_index(
        "ix_palm_notices_owner", "palm_notices", ["owner_code", "status", "deadline"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_palm_notices_owner", table_name="palm_notices")
    op.drop_table("palm_notices")
    op.drop_index(op.f("ix_palm_received_events_subject_code"), table_name="palm_received_events")
    op.drop_table("palm_received_events")
