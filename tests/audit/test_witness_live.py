"""The witness deployed apart: ``tenohira witness serve`` in its own process, port, key and
database; the log submits over real HTTP, and ``tenohira audit verify`` asks it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenohira.audit import AuditEvent, append_events
from tenohira.audit.keys import LogKey
from tenohira.audit.log import produce_tree_head
from tenohira.audit.witnessing import log_origin, log_verifier, witness_latest
from tenohira.core import get_settings, reset_settings
from tests.conftest import free_port

pytestmark = pytest.mark.timeout(180)


def _tenohira(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("tenohira")), *args]


def _start(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        _tenohira(
            "witness", "serve", "--port", str(port), "--data-dir", str(data_dir), "--name", "w.test/apart"
        ),
        env={**os.environ, "TENOHIRA_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(
                f"witness serve did not start:\n{proc.stdout.read().decode() if proc.stdout else ''}"
            )
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


@pytest.fixture
def witness_apart(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path / "witness-apart"  # its own directory: not the platform's data dir
    port = free_port()
    proc = _start(port, data_dir)
    try:
        yield f"http://127.0.0.1:{port}", data_dir
    finally:
        _stop(proc)


async def test_log_and_witness_apart_over_http(
    migrated_db: Any, log_key: LogKey, witness_apart: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, data_dir = witness_apart
    settings = get_settings()
    vkey = httpx.get(url + "/key").json()["vkey"]
    # the witness's operator follows the log (origin and verifier key, as `tenohira audit key` prints)
    follow = subprocess.run(
        _tenohira(
            "witness",
            "follow",
            log_origin(settings),
            log_verifier(settings, log_key).vkey,
            "--data-dir",
            str(data_dir),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert follow.returncode == 0, follow.stderr
    monkeypatch.setenv("TENOHIRA_WITNESSES", f"{url} {vkey}")
    reset_settings()
    for n in (5, 9):
        async with migrated_db.session() as s:
            await append_events(
                s, [AuditEvent(type="card:auth:success", actor=f"card:{n}{i}") for i in range(n)]
            )
        async with migrated_db.session() as s:
            await produce_tree_head(s, log_key)
        assert await witness_latest(get_settings()) == 1
    checkpoint = httpx.get(f"{url}/logs/{log_origin(settings)}/checkpoint").text
    assert checkpoint.split("\n")[1] == "14"

    from tenohira.core.db import dispose_databases

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(_tenohira("audit", "verify"), capture_output=True, text=True, timeout=120)

    await dispose_databases()
    result = verify()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 published heads" in result.stdout  # the witness's, two stored cosignatures

    # the newest head deleted: the witness apart still holds it
    from sqlalchemy import text

    async with migrated_db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM audit_tree_heads WHERE tree_size = 14"))
        await conn.execute(text("DELETE FROM audit_cosignatures"))
    await dispose_databases()
    result = verify()
    assert result.returncode == 1
    assert "w.test/apart" in result.stderr and "heads were deleted" in result.stderr, result.stderr
