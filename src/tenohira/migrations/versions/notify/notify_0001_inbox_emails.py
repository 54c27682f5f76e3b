"""notify: in-app inbox and outgoing emails

Revision ID: notify_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("notify",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=128), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_messages")),
    )
    op.create_index(
        "ix_notify_messages_recipient", "notify_messages", ["recipient", "created_at"], unique=False
    )
    op.create_table(
        "notify_emails",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=True),
        sa.Column("to_sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["notify_messages.id"], name=op.f("fk_notify_emails_message_id_notify_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_emails")),
    )
    op.create_index(op.f("ix_notify_emails_message_id"), "notify_emails", ["message_id"], unique=False)
    op.create_index("ix_notify_emails_due", "notify_emails", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notify_emails_due", table_name="notify_emails")
    op.drop_index(op.f("ix_notify_emails_message_id"), table_name="notify_emails")
    op.drop_table("notify_emails")
    op.drop_index("ix_notify_messages_recipient", table_name="notify_messages")
    op.drop_table("notify_messages")
