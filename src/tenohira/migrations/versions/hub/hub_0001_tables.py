"""hub: members, services, access rights, subjects and agency codes, card links, nonces, access history

Revision ID: hub_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("hub",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_access_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exchange_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("third_party", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_access_history")),
        sa.UniqueConstraint("exchange_id", name=op.f("uq_hub_access_history_exchange_id")),
    )
    op.create_index(op.f("ix_hub_access_history_at"), "hub_access_history", ["at"], unique=False)
    op.create_index(
        "ix_hub_access_history_subject_at", "hub_access_history", ["subject_id", "at"], unique=False
    )
    op.create_table(
        "hub_members",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("log_mode", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("certificate_serial", sa.String(length=64), nullable=False),
        sa.Column("certificate_not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_members")),
    )
    op.create_table(
        "hub_nonces",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "nonce", name=op.f("pk_hub_nonces")),
    )
    op.create_index(op.f("ix_hub_nonces_expires_at"), "hub_nonces", ["expires_at"], unique=False)
    op.create_table(
        "hub_subjects",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_subjects")),
    )
    op.create_table(
        "hub_agency_codes",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["hub_members.id"], name=op.f("fk_hub_agency_codes_member_id_hub_members")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["hub_subjects.id"], name=op.f("fk_hub_agency_codes_subject_id_hub_subjects")
        ),
        sa.PrimaryKeyConstraint("member_id", "code", name=op.f("pk_hub_agency_codes")),
        sa.UniqueConstraint("member_id", "subject_id", name="uq_hub_agency_codes_member_subject"),
    )
    op.create_index(op.f("ix_hub_agency_codes_subject_id"), "hub_agency_codes", ["subject_id"], unique=False)
    op.create_table(
        "hub_card_links",
        sa.Column("card_serial", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["hub_subjects.id"], name=op.f("fk_hub_card_links_subject_id_hub_subjects")
        ),
        sa.PrimaryKeyConstraint("card_serial", name=op.f("pk_hub_card_links")),
    )
    op.create_index(op.f("ix_hub_card_links_subject_id"), "hub_card_links", ["subject_id"], unique=False)
    op.create_table(
        "hub_services",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("openapi", sa.JSON(), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("reveals_third_party", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["hub_members.id"], name=op.f("fk_hub_services_provider_id_hub_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_services")),
    )
    op.create_index(op.f("ix_hub_services_provider_id"), "hub_services", ["provider_id"], unique=False)
    op.create_table(
        "hub_access_rights",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("reveals_third_party", sa.Boolean(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["hub_members.id"], name=op.f("fk_hub_access_rights_client_id_hub_members")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["hub_services.id"], name=op.f("fk_hub_access_rights_service_id_hub_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_access_rights")),
        sa.UniqueConstraint("client_id", "service_id", "purpose", name="uq_hub_access_rights_grant"),
    )
    op.create_index(op.f("ix_hub_access_rights_client_id"), "hub_access_rights", ["client_id"], unique=False)
    op.create_index(
        op.f("ix_hub_access_rights_service_id"), "hub_access_rights", ["service_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_access_rights_service_id"), table_name="hub_access_rights")
    op.drop_index(op.f("ix_hub_access_rights_client_id"), table_name="hub_access_rights")
    op.drop_table("hub_access_rights")
    op.drop_index(op.f("ix_hub_services_provider_id"), table_name="hub_services")
    op.drop_table("hub_services")
    op.drop_index(op.f("ix_hub_card_links_subject_id"), table_name="hub_card_links")
    op.drop_table("hub_card_links")
    op.drop_index(op.f("ix_hub_agency_codes_subject_id"), table_name="hub_agency_codes")
    op.drop_table("hub_agency_codes")
    op.drop_table("hub_subjects")
    op.drop_index(op.f("ix_hub_nonces_expires_at"), table_name="hub_nonces")
    op.drop_table("hub_nonces")
    op.drop_table("hub_members")
    op.drop_index("ix_hub_access_history_subject_at", table_name="hub_access_history")
    op.drop_index(op.f("ix_hub_access_history_at"), table_name="hub_access_history")
    op.drop_table("hub_access_history")
