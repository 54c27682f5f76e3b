"""A provider on a real port with a card in its reader, and one registered relying party."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.oidc.support import Provider, RelyingParty, prepare, register, run


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Iterator[Provider]:
    """On the embedded SQLite and on PostgreSQL (``database_url`` is parametrised over both)."""
    from tenohira.core import get_settings, reset_settings

    port = free_port()
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    monkeypatch.setenv("TENOHIRA_BASE_URL", f"http://127.0.0.1:{port}")
    reset_settings()
    run(prepare(get_settings().data_dir))
    server = Provider(port)
    server.rps = {}  # type: ignore[attr-defined]
    yield server
    server.stop()


def start_with(provider: Provider, **clients: dict[str, Any]) -> dict[str, RelyingParty]:
    """Register the named relying parties (before serving: one event loop at a time), then serve."""
    rps = {name: run(register(**options)) for name, options in clients.items()}
    provider.start()
    return rps
