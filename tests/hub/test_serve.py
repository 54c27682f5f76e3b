"""`tenohira hub serve --workers 2`: the hub deployed apart, several processes on one port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hub.conftest import free_port
from tests.hub.test_exchange import _people

pytestmark = pytest.mark.timeout(120)


def _tenohira() -> list[str]:
    script = Path(sys.executable).with_name("tenohira")
    return [str(script)] if script.exists() else [shutil.which("tenohira") or "tenohira"]


@pytest.fixture
def served_hub(hub_server: Any) -> Iterator[str]:
    """A second hub on another port, two worker processes, same database as ``hub_server``."""
    port = free_port()
    proc = subprocess.Popen(
        [*_tenohira(), "hub", "serve", "--port", str(port), "--workers", "2"],
        env={**os.environ, "TENOHIRA_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/certificate.pem", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"hub serve did not start:\n{out}")
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def _pids_listening(port: int) -> set[int]:
    """Processes with a socket listening on ``port`` (Linux /proc)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            inodes.add(fields[9])
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    pids.add(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids


async def test_two_workers_serve_exchanges_and_share_nonces(hub_server: Any, served_hub: str) -> None:
    codes = await _people(hub_server)
    port = int(served_hub.rsplit(":", 1)[1])
    assert len(_pids_listening(port)) >= 2, "two worker processes listen on the port"
    async with hub_server.client("palm") as palm_direct:
        palm = type(palm_direct).from_credentials(_credentials("palm"), served_hub)
        try:
            for _ in range(20):  # new connections each time: the kernel spreads them over workers
                answer = await palm.call(
                    "municipality.basic-facts", subject_code=codes["palm"], purpose="prefill"
                )
                assert answer.status == 200 and answer.json()["code"] == codes["municipality"]
                await palm.aclose()
            # a replayed request is refused whichever worker receives it: nonces are shared
            url = served_hub + "/exchange/municipality.basic-facts"
            headers = palm.signed_headers(
                "GET", url, b"", {"hub-purpose": "prefill", "hub-subject": codes["palm"]}
            )
            answers = [httpx.get(url, headers=headers, timeout=10) for _ in range(6)]  # a new connection each
            assert answers[0].status_code == 200
            for replay in answers[1:]:
                assert replay.status_code == 401
                assert replay.json()["type"] == "urn:tenohira:problem:hub-replay"
        finally:
            await palm.aclose()


def _credentials(member: str) -> Any:
    from tenohira.core import get_settings
    from tenohira.hub import load_member_credentials

    return load_member_credentials(get_settings(), member)
