"""identity: card certificates, login challenges, sessions, CRLs

Revision ID: identity_0001
Revises:
Create Date: 2026-11-26 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("identity",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_certificates",
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("card_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("holder_ref", sa.String(64), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_identity_certificates")),
        sa.UniqueConstraint("fingerprint_sha256", name=op.f("uq_identity_certificates_fingerprint_sha256")),
    )
    op.create_index(
        op.f("ix_identity_certificates_card_id"), "identity_certificates", ["card_id"], unique=False
    )
    op.create_index(
        op.f("ix_identity_certificates_holder_ref"), "identity_certificates", ["holder_ref"], unique=False
    )

    op.create_table(
        "identity_challenges",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("nonce", sa.String(43), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_challenges")),
    )
    op.create_index(
        op.f("ix_identity_challenges_expires_at"), "identity_challenges", ["expires_at"], unique=False
    )

    op.create_table(
        "identity_sessions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("card_serial", sa.String(64), nullable=False),
        sa.Column("holder_ref", sa.String(64), nullable=True),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_identity_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_identity_sessions_card_serial"), "identity_sessions", ["card_serial"], unique=False
    )

    op.create_table(
        "identity_crls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("this_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_crls")),
        sa.UniqueConstraint("name", "number", name=op.f("uq_identity_crls_name")),
    )


def downgrade() -> None:
    op.drop_table("identity_crls")
    op.drop_index(op.f("ix_identity_sessions_card_serial"), table_name="identity_sessions")
    op.drop_table("identity_sessions")
    op.drop_index(op.f("ix_identity_challenges_expires_at"), table_name="identity_challenges")
    op.drop_table("identity_challenges")
    op.drop_index(op.f("ix_identity_certificates_holder_ref"), table_name="identity_certificates")
    op.drop_index(op.f("ix_identity_certificates_card_id"), table_name="identity_certificates")
    op.drop_table("identity_certificates")
