"""events: transactional outbox and processed events

Revision ID: events_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("events",)
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events_outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_outbox_event_id")),
    )
    op.create_index("ix_events_outbox_pending", "events_outbox", ["dispatched_at", "id"], unique=False)
    op.create_table(
        "events_processed",
        sa.Column("subscriber", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscriber", "event_id", name=op.f("pk_events_processed")),
    )
    op.create_index(
        op.f("ix_events_processed_processed_at"), "events_processed", ["processed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_events_processed_processed_at"), table_name="events_processed")
    op.drop_table("events_processed")
    op.drop_index("ix_events_outbox_pending", table_name="events_outbox")
    op.drop_table("events_outbox")
