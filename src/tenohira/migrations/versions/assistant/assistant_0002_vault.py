"""assistant: conversations' state, messages' text and data as vault ciphertexts

Revision ID: assistant_0002
Revises: assistant_0001
Create Date: 2026-11-26 11:30:00

Messages get their conversation's owner (whose key seals them), copied here. Rows written before
this revision keep their plaintext as bytes; the assistant's bootstrap seals them on the next
start (only the running platform holds the keys).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "assistant_0002"
down_revision: str | Sequence[str] | None = "assistant_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("assistant_conversations") as batch:
        batch.alter_column(
            "state",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(state::text, 'UTF8')",
        )
    with op.batch_alter_table("assistant_messages") as batch:
        batch.add_column(sa.Column("owner", sa.String(96), nullable=True))
        batch.create_index(op.f("ix_assistant_messages_owner"), ["owner"])
        batch.alter_column(
            "text",
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(text, 'UTF8')",
        )
        batch.alter_column(
            "data",
            type_=sa.LargeBinary(),
            existing_nullable=True,
            postgresql_using="convert_to(data::text, 'UTF8')",
        )
    op.execute(
        "UPDATE assistant_messages SET owner = "
        "(SELECT c.owner FROM assistant_conversations c WHERE c.id = assistant_messages.conversation_id)"
    )
    if not postgres:
        # SQLite keeps the old text values in the new columns: make them bytes like new rows.
        op.execute("UPDATE assistant_conversations SET state = CAST(state AS BLOB)")
        op.execute("UPDATE assistant_messages SET text = CAST(text AS BLOB), data = CAST(data AS BLOB)")


def downgrade() -> None:
    # Ciphertexts cannot be turned back into plaintext by a migration (it holds no keys).
    raise NotImplementedError("assistant_0002 cannot be downgraded: decrypt with the vault first")
