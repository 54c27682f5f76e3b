"""identity: passkeys bound to a card, their challenges, the login method of a session

Revision ID: identity_0002
Revises: identity_0001
Create Date: 2026-12-02 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0002"
down_revision: str | Sequence[str] | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_sessions") as batch:
        batch.add_column(sa.Column("method", sa.String(length=8), nullable=False, server_default="card"))
    op.create_table(
        "identity_passkeys",
        sa.Column("id", sa.String(length=1400), nullable=False),
        sa.Column("holder_ref", sa.String(length=64), nullable=False),
        sa.Column("card_serial", sa.String(length=64), nullable=False),
        sa.Column("user_handle", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("aaguid", sa.String(length=36), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_passkeys")),
    )
    op.create_index(op.f("ix_identity_passkeys_holder_ref"), "identity_passkeys", ["holder_ref"])
    op.create_index(op.f("ix_identity_passkeys_card_serial"), "identity_passkeys", ["card_serial"])
    op.create_table(
        "identity_passkey_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_passkey_challenges")),
    )
    op.create_index(
        op.f("ix_identity_passkey_challenges_expires_at"), "identity_passkey_challenges", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_table("identity_passkey_challenges")
    op.drop_table("identity_passkeys")
    with op.batch_alter_table("identity_sessions") as batch:
        batch.drop_column("method")
