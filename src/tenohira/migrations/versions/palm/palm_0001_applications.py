"""palm: people (palm codes), card links, applications, their history, bundles

Revision ID: palm_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "palm_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("palm",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "palm_people",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_palm_people")),
    )
    op.create_table(
        "palm_card_links",
        sa.Column("card_serial", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"], ["palm_people.code"], name=op.f("fk_palm_card_links_code_palm_people")
        ),
        sa.PrimaryKeyConstraint("card_serial", name=op.f("pk_palm_card_links")),
    )
    op.create_index(op.f("ix_palm_card_links_code"), "palm_card_links", ["code"], unique=False)
    op.create_table(
        "palm_bundles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.Column("signer_serial", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_code"], ["palm_people.code"], name=op.f("fk_palm_bundles_owner_code_palm_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_palm_bundles")),
    )
    op.create_index(op.f("ix_palm_bundles_owner_code"), "palm_bundles", ["owner_code"], unique=False)
    op.create_table(
        "palm_applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_code", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("deciding_agency", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("prefilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("bundle_id", sa.String(length=32), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("agency_reference", sa.String(length=64), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bundle_id"], ["palm_bundles.id"], name=op.f("fk_palm_applications_bundle_id_palm_bundles")
        ),
        sa.ForeignKeyConstraint(
            ["owner_code"], ["palm_people.code"], name=op.f("fk_palm_applications_owner_code_palm_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_palm_applications")),
        sa.UniqueConstraint("owner_code", "idempotency_key", name="uq_palm_applications_owner_key"),
    )
    op.create_index(
        "ix_palm_applications_owner", "palm_applications", ["owner_code", "created_at"], unique=False
    )
    op.create_index(op.f("ix_palm_applications_bundle_id"), "palm_applications", ["bundle_id"], unique=False)
    op.create_table(
        "palm_application_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["palm_applications.id"],
            name=op.f("fk_palm_application_history_application_id_palm_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_palm_application_history")),
    )
    op.create_index(
        op.f("ix_palm_application_history_application_id"),
        "palm_application_history",
        ["application_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("palm_application_history")
    op.drop_table("palm_applications")
    op.drop_table("palm_bundles")
    op.drop_table("palm_card_links")
    op.drop_table("palm_people")
