"""Every module's models match its migrations (what ``alembic check`` checks)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tenohira.platform import load_all_models


async def test_models_match_migrations(migrated_db: Any) -> None:
    metadata = load_all_models()

    def diff(sync_conn: Any) -> list[Any]:
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))

    async with migrated_db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], f"models and migrations differ: {changes}"
