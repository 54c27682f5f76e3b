"""hub: events across the hub (publishers, subscriptions, events, deliveries)

Revision ID: hub_0002
Revises: hub_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0002"
down_revision: str | Sequence[str] | None = "hub_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hub_event_publishers",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["hub_members.id"], name=op.f("fk_hub_event_publishers_member_id_hub_members")
        ),
        sa.PrimaryKeyConstraint("member_id", "topic", name=op.f("pk_hub_event_publishers")),
    )
    op.create_table(
        "hub_event_subscriptions",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["hub_members.id"],
            name=op.f("fk_hub_event_subscriptions_member_id_hub_members"),
        ),
        sa.PrimaryKeyConstraint("member_id", "topic", name=op.f("pk_hub_event_subscriptions")),
    )
    op.create_table(
        "hub_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("publisher_id", sa.String(length=64), nullable=False),
        sa.Column("publisher_event_id", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", TZ, nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_events")),
        sa.UniqueConstraint("publisher_id", "publisher_event_id", name="uq_hub_events_publisher_event"),
    )
    op.create_table(
        "hub_event_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("subject_code", sa.String(length=64), nullable=True),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["hub_events.id"], name=op.f("fk_hub_event_deliveries_event_id_hub_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_event_deliveries")),
        sa.UniqueConstraint("event_id", "member_id", name="uq_hub_event_deliveries_event_member"),
    )
    op.create_index(
        "ix_hub_event_deliveries_pending",
        "hub_event_deliveries",
        ["delivered_at", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_hub_event_deliveries_pending", table_name="hub_event_deliveries")
    op.drop_table("hub_event_deliveries")
    op.drop_table("hub_events")
    op.drop_table("hub_event_subscriptions")
    op.drop_table("hub_event_publishers")
