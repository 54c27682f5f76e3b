"""notify: inbox subjects and bodies, emails' addresses, subjects and bodies as vault ciphertexts

Revision ID: notify_0002
Revises: notify_0001
Create Date: 2026-11-26 11:20:00

Rows written before this revision keep their plaintext as bytes; notify's bootstrap seals them on
the next start (only the running platform holds the keys). Emails get the inbox message's
recipient (whose key seals them), copied here from ``notify_messages``. The ``to_sha256`` of old
rows stays a plain SHA-256 (the address of a delivered email is gone: it cannot be re-keyed);
new rows hold the keyed ``notify.email`` digest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "notify_0002"
down_revision: str | Sequence[str] | None = "notify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("notify_messages") as batch:
        for column in ("subject", "body"):
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_nullable=False,
                postgresql_using=f"convert_to({column}, 'UTF8')",
            )
    with op.batch_alter_table("notify_emails") as batch:
        batch.add_column(sa.Column("recipient", sa.String(128), nullable=True))
        batch.create_index(op.f("ix_notify_emails_recipient"), ["recipient"])
        for column, nullable in (("to_address", True), ("subject", False), ("body", False)):
            batch.alter_column(
                column,
                type_=sa.LargeBinary(),
                existing_nullable=nullable,
                postgresql_using=f"convert_to({column}, 'UTF8')",
            )
    op.execute(
        "UPDATE notify_emails SET recipient = "
        "(SELECT m.recipient FROM notify_messages m WHERE m.id = notify_emails.message_id)"
    )
    if not postgres:
        # SQLite keeps the old text values in the new columns: make them bytes like new rows.
        op.execute("UPDATE notify_messages SET subject = CAST(subject AS BLOB), body = CAST(body AS BLOB)")
        op.execute(
            "UPDATE notify_emails SET to_address = CAST(to_address AS BLOB), "
            "subject = CAST(subject AS BLOB), body = CAST(body AS BLOB)"
        )


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("notify_0002 cannot be downgraded: decrypt with the vault first")
