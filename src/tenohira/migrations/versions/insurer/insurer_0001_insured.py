"""insurer: insurers, insured persons and dependants, childbirth lump-sum claims

Revision ID: insurer_0001
Revises:
Create Date: 2026-11-26 08:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "insurer_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("insurer",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ins_insurers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("number", sa.String(8), nullable=False),
        sa.Column("name_ja", sa.String(128), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ins_insurers")),
        sa.UniqueConstraint("number", name=op.f("uq_ins_insurers_number")),
    )
    op.create_table(
        "ins_persons",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("insurer_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("insured_id", sa.String(16), nullable=True),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("branch", sa.String(2), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_kana", sa.String(128), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("qualified_from", sa.Date(), nullable=False),
        sa.Column("hub_code", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["insurer_id"], ["ins_insurers.id"], name=op.f("fk_ins_persons_insurer_id_ins_insurers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ins_persons")),
        sa.UniqueConstraint("seq", name=op.f("uq_ins_persons_seq")),
        sa.UniqueConstraint("hub_code", name=op.f("uq_ins_persons_hub_code")),
    )
    op.create_index(op.f("ix_ins_persons_insurer_id"), "ins_persons", ["insurer_id"])
    op.create_index(op.f("ix_ins_persons_insured_id"), "ins_persons", ["insured_id"])
    op.create_index("ix_ins_persons_name_birth", "ins_persons", ["name", "birth_date"])
    op.create_table(
        "ins_lump_sum_claims",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("insurer_id", sa.String(32), nullable=False),
        sa.Column("insured_id", sa.String(16), nullable=False),
        sa.Column("mother_id", sa.String(16), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("babies", sa.Integer(), nullable=False),
        sa.Column("gestational_weeks", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(128), nullable=False),
        sa.Column("compensation_scheme", sa.Boolean(), nullable=False),
        sa.Column("direct_payment", sa.Boolean(), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("charges", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("to_hospital", sa.Integer(), nullable=False),
        sa.Column("to_insured", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(256), nullable=False),
        sa.Column("payment_due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["insurer_id"], ["ins_insurers.id"], name=op.f("fk_ins_lump_sum_claims_insurer_id_ins_insurers")
        ),
        sa.ForeignKeyConstraint(
            ["insured_id"], ["ins_persons.id"], name=op.f("fk_ins_lump_sum_claims_insured_id_ins_persons")
        ),
        sa.ForeignKeyConstraint(
            ["mother_id"], ["ins_persons.id"], name=op.f("fk_ins_lump_sum_claims_mother_id_ins_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ins_lump_sum_claims")),
        sa.UniqueConstraint("mother_id", "birth_date", name="uq_ins_lump_sum_claims_birth"),
    )
    op.create_index(op.f("ix_ins_lump_sum_claims_insured_id"), "ins_lump_sum_claims", ["insured_id"])
    op.create_table(
        "ins_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ins_meta")),
    )


def downgrade() -> None:
    op.drop_table("ins_meta")
    op.drop_table("ins_lump_sum_claims")
    op.drop_table("ins_persons")
    op.drop_table("ins_insurers")
