"""On the running platform: the log's background sequencer, an on-demand head from the CLI, and the
verifying client over real HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tenohira.audit.client import LogClient

TENOHIRA = str(Path(sys.executable).with_name("tenohira"))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TENOHIRA, "audit", *args], capture_output=True, text=True, env=dict(os.environ))


async def test_log_on_the_running_platform(live_server: Any) -> None:
    from tenohira.audit import append_event
    from tenohira.core import get_database

    async with httpx.AsyncClient(base_url=live_server.url) as http:
        ready = (await http.get("/readyz")).json()
        assert ready["checks"]["audit-key"]["status"] == "ok", ready
        auditor = LogClient(http, (await http.get("/api/audit/key")).json()["public_key_pem"])
        first = await auditor.tree_head()  # signed at bootstrap

        async with get_database().session() as s:
            await append_event(s, type="test:live", actor="tester", attributes={"n": "1"})
        deadline = time.monotonic() + 20
        while True:  # the background sequencer gives it a leaf index within a second or so
            listing = (
                await http.get("/api/audit/entries", params={"start": max(0, first.tree_size - 1)})
            ).json()
            if any(e["type"] == "test:live" for e in listing["entries"]):
                break
            assert time.monotonic() < deadline, listing
            await asyncio.sleep(0.2)
        (mine,) = [e for e in listing["entries"] if e["type"] == "test:live"]

        made = await asyncio.to_thread(cli, "sth")  # a head now, from another process
        assert made.returncode == 0, made.stderr
        head = await auditor.tree_head()
        assert head.tree_size == json.loads(made.stdout)["tree_size"] > mine["leaf_index"]
        # the embedded witness, mounted at /witness with its own key and database, cosigned it
        # over HTTP through the running platform
        from tenohira.audit.note import SignedCheckpoint, Verifier

        witness = Verifier.parse((await http.get("/witness/key")).json()["vkey"])
        cosigned = SignedCheckpoint.parse(json.loads(made.stdout)["checkpoint"])
        assert cosigned.checkpoint.tree_size == head.tree_size and cosigned.cosigned_at(witness)
        await auditor.check_inclusion(await auditor.entry(mine["leaf_index"]), head)
        await auditor.check_consistency(first, head)

    verified = await asyncio.to_thread(cli, "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout.splitlines()[-1])["ok"] is True
