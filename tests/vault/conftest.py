"""Vault tests: every test forgets the process's open vaults afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _forget_vaults() -> Iterator[None]:
    from tenohira.vault import close_vaults

    close_vaults()
    yield
    close_vaults()
