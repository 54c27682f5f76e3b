"""Alembic environment of the witness's own database (version table witness_alembic_version)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from tenohira.audit.witness.models import WitnessBase
from tenohira.core.db import make_engine

config = context.config
VERSION_TABLE = "witness_alembic_version"


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=WitnessBase.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
    await engine.dispose()


asyncio.run(_run_async())
