"""supporters: roles, delegations, the action log; who took a help request

Revision ID: supporters_0002
Revises: supporters_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supporters_0002"
down_revision: str | Sequence[str] | None = "supporters_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supporters_help_requests") as batch:
        batch.add_column(sa.Column("taken_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("created_by", sa.String(length=32), nullable=True))
    op.create_table(
        "supporters_roles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("palm_code", sa.String(length=96), nullable=True),
        sa.Column("card_serial", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("organisation", sa.String(length=128), nullable=True),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporters_roles")),
    )
    op.create_index(op.f("ix_supporters_roles_palm_code"), "supporters_roles", ["palm_code"], unique=False)
    op.create_index(
        op.f("ix_supporters_roles_card_serial"), "supporters_roles", ["card_serial"], unique=False
    )
    op.create_table(
        "supporters_delegations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("resident_code", sa.String(length=96), nullable=False),
        sa.Column("supporter_id", sa.String(length=32), nullable=False),
        sa.Column("procedures", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_card_serial", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters_roles.id"],
            name=op.f("fk_supporters_delegations_supporter_id_supporters_roles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporters_delegations")),
    )
    op.create_index(
        "ix_supporters_delegations_resident",
        "supporters_delegations",
        ["resident_code", "state"],
        unique=False,
    )
    op.create_index(
        "ix_supporters_delegations_supporter",
        "supporters_delegations",
        ["supporter_id", "state"],
        unique=False,
    )
    op.create_table(
        "supporters_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("resident_code", sa.String(length=96), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("delegation_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporters_actions")),
    )
    op.create_index(
        "ix_supporters_actions_resident", "supporters_actions", ["resident_code", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("supporters_actions")
    op.drop_table("supporters_delegations")
    op.drop_table("supporters_roles")
    with op.batch_alter_table("supporters_help_requests") as batch:
        batch.drop_column("created_by")
        batch.drop_column("taken_at")
        batch.drop_column("taken_by")
