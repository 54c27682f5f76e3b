"""Fixtures of the audit tests: a migrated database with the log key in the test's data dir."""

from __future__ import annotations

from typing import Any

import pytest

from tenohira.audit.keys import LogKey, create_key
from tenohira.core import get_settings


@pytest.fixture
def log_key(migrated_db: Any) -> LogKey:
    return create_key(get_settings())
