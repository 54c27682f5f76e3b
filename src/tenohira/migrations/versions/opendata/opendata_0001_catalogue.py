"""opendata: organisations, datasets, releases

Revision ID: opendata_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "opendata_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("opendata",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opendata_organizations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("municipality_code", sa.String(6), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opendata_organizations"),
        sa.UniqueConstraint("name", name="uq_opendata_organizations_name"),
    )
    op.create_table(
        "opendata_datasets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("notes_en", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("license_id", sa.String(40), nullable=False),
        sa.Column("frequency", sa.String(40), nullable=False),
        sa.Column("temporal_start", sa.Date(), nullable=True),
        sa.Column("temporal_end", sa.Date(), nullable=True),
        sa.Column("spatial", sa.String(6), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("chart", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["opendata_organizations.id"],
            name="fk_opendata_datasets_organization_id_opendata_organizations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_opendata_datasets"),
        sa.UniqueConstraint("name", name="uq_opendata_datasets_name"),
    )
    op.create_table(
        "opendata_releases",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("suppressed_cells", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["opendata_datasets.id"], name="fk_opendata_releases_dataset_id_opendata_datasets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_opendata_releases"),
        sa.UniqueConstraint("dataset_id", "version", name="uq_opendata_releases_dataset_id"),
    )
    op.create_index("ix_opendata_releases_dataset_id", "opendata_releases", ["dataset_id"])


def downgrade() -> None:
    op.drop_index("ix_opendata_releases_dataset_id", table_name="opendata_releases")
    op.drop_table("opendata_releases")
    op.drop_table("opendata_datasets")
    op.drop_table("opendata_organizations")
