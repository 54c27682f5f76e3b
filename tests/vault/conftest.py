"""Vault tests: every test forgets the process's open vaults afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _forget_vaults(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from tenohira.vault import close_vaults
    from tenohira.vault.sites import Site

    # tests delete and move site directories and expect the very next call to notice
    monkeypatch.setattr(Site, "HEALTH_TTL", 0.0)

    close_vaults()
    yield
    close_vaults()
