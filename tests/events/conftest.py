"""Fixtures of the events tests: a table where handlers record their effects, and an isolated registry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tenohira.events import Registry


@pytest.fixture
async def effects_db(migrated_db: Any) -> Any:
    """The migrated database plus ``test_effects`` (no unique constraint: a double effect would show)."""
    async with migrated_db.engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE test_effects (event_id VARCHAR(36), subscriber VARCHAR(64), k VARCHAR(64))")
        )
    return migrated_db


@pytest.fixture
def registry() -> Registry:
    return Registry()


async def effects(db: Any) -> list[tuple[str, str, str]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_id, subscriber, k FROM test_effects ORDER BY event_id"))
        return [(r[0], r[1], r[2]) for r in rows]
