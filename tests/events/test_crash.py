"""kill -9 of the dispatcher at random points: no event is lost and no effect happens twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tenohira.events import publish

from .conftest import effects
from .test_outbox import delete_stream

WORKER = Path(__file__).with_name("crash_worker.py")
EVENTS = 600  # enough work that the kills land mid-way even with 16 handlers at once
KILLS = 8


def _start(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TENOHIRA_LOG_LEVEL": "ERROR"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "ready": imports done, the bus is starting
    assert line.strip() == "ready", line
    return proc


@pytest.mark.parametrize("mode", ["embedded", "nats"])
async def test_kill_9_loses_nothing_and_doubles_nothing(
    effects_db: Any, database_url: str, mode: str
) -> None:
    nats_url, stream, prefix = "", "", ""
    if mode == "nats":
        nats_url = os.environ.get("TENOHIRA_TEST_NATS_URL", "")
        if not nats_url:
            pytest.skip("NATS case skipped: set TENOHIRA_TEST_NATS_URL (CI sets it) to run it")
        tag = uuid.uuid4().hex[:10]
        stream, prefix = f"C_{tag}", f"c{tag}"
    async with effects_db.session() as s:
        for i in range(EVENTS):
            await publish(s, "crash.a", {"n": str(i)}, key=f"H{i % 10}")
    await effects_db.dispose()

    args = [database_url, mode, nats_url, stream, prefix]
    rng = random.Random(5)
    kills_that_landed = 0
    try:
        for _ in range(KILLS):
            proc = await asyncio.to_thread(_start, args)
            await asyncio.sleep(rng.uniform(0.05, 0.5))
            before = len(await effects(effects_db))
            proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(proc.wait)
            if before < 2 * EVENTS:
                kills_that_landed += 1

        proc = await asyncio.to_thread(_start, args)
        deadline = time.monotonic() + 60
        while len(await effects(effects_db)) < 2 * EVENTS and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5 if mode == "nats" else 0.3)  # anything doubled would show up by now
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 15)
    finally:
        if mode == "nats":
            delete_stream(nats_url, stream)

    got = await effects(effects_db)
    per = Counter((sub, k) for _, sub, k in got)
    assert kills_that_landed >= KILLS // 2, "the kills did not interrupt the work; test proves nothing"
    missing = [(sub, str(i)) for sub in ("rec", "sink") for i in range(EVENTS) if per[(sub, str(i))] == 0]
    doubled = {key: c for key, c in per.items() if c > 1}
    assert not missing, f"lost: {missing[:10]}"
    assert not doubled, f"doubled: {doubled}"
    assert len(got) == 2 * EVENTS
