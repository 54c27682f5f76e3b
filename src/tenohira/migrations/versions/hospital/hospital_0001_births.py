"""hospital: facilities, patients, birth records, certificate issues

Revision ID: hospital_0001
Revises:
Create Date: 2026-11-26 08:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hospital_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("hospital",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hosp_facilities",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name_ja", sa.String(128), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("issuer", sa.String(256), nullable=False),
        sa.Column("compensation_scheme", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosp_facilities")),
        sa.UniqueConstraint("issuer", name=op.f("uq_hosp_facilities_issuer")),
    )
    op.create_table(
        "hosp_patients",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_kana", sa.String(128), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("hub_code", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["hosp_facilities.id"], name=op.f("fk_hosp_patients_facility_id_hosp_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosp_patients")),
        sa.UniqueConstraint("seq", name=op.f("uq_hosp_patients_seq")),
        sa.UniqueConstraint("hub_code", name=op.f("uq_hosp_patients_hub_code")),
    )
    op.create_index(op.f("ix_hosp_patients_facility_id"), "hosp_patients", ["facility_id"])
    op.create_index("ix_hosp_patients_name_birth", "hosp_patients", ["name", "birth_date"])
    op.create_table(
        "hosp_birth_records",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("patient_id", sa.String(16), nullable=False),
        sa.Column("facility_id", sa.String(64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("born_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sex", sa.String(8), nullable=True),
        sa.Column("weight_g", sa.Integer(), nullable=True),
        sa.Column("height_cm", sa.Float(), nullable=True),
        sa.Column("gestational_weeks", sa.Integer(), nullable=True),
        sa.Column("plurality", sa.Integer(), nullable=False),
        sa.Column("certifier", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["hosp_patients.id"], name=op.f("fk_hosp_birth_records_patient_id_hosp_patients")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["hosp_facilities.id"],
            name=op.f("fk_hosp_birth_records_facility_id_hosp_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosp_birth_records")),
    )
    op.create_index(op.f("ix_hosp_birth_records_patient_id"), "hosp_birth_records", ["patient_id"])
    op.create_table(
        "hosp_certificate_issues",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("birth_id", sa.String(16), nullable=False),
        sa.Column("holder_key_thumbprint", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["birth_id"],
            ["hosp_birth_records.id"],
            name=op.f("fk_hosp_certificate_issues_birth_id_hosp_birth_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosp_certificate_issues")),
        sa.UniqueConstraint("digest", name=op.f("uq_hosp_certificate_issues_digest")),
    )
    op.create_index(op.f("ix_hosp_certificate_issues_birth_id"), "hosp_certificate_issues", ["birth_id"])
    op.create_table(
        "hosp_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hosp_meta")),
    )


def downgrade() -> None:
    op.drop_table("hosp_meta")
    op.drop_table("hosp_certificate_issues")
    op.drop_table("hosp_birth_records")
    op.drop_table("hosp_patients")
    op.drop_table("hosp_facilities")
