"""kill -9 of the email worker at random points: every email arrives; a repeat is possible only for
the one email a kill interrupted, and then it carries the same Message-ID."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tenohira.core import get_settings
from tenohira.notify import count_emails, send

from .conftest import SMTPServer

WORKER = Path(__file__).with_name("crash_worker.py")
EMAILS = 60
KILLS = 8


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


async def test_kill_9_loses_no_email(migrated_db: Any, smtp_server: SMTPServer) -> None:
    recorder = smtp_server.recorder
    original = recorder.handle_DATA

    async def slow_data(server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.02)  # a slower server widens the window where a kill lands mid-send
        return await original(server, session, envelope)

    recorder.handle_DATA = slow_data  # type: ignore[method-assign]
    async with migrated_db.session() as s:
        for i in range(EMAILS):
            await send(
                s, recipient=f"P-{i}", template="generic", language="ja",
                params={"subject": f"件名{i}", "body": "本文"}, email=f"p{i}@example.jp",
            )  # fmt: skip
    env = {**os.environ, "TENOHIRA_SMTP_URL": smtp_server.url, "TENOHIRA_LOG_LEVEL": "ERROR"}
    rng = random.Random(11)
    landed = 0
    for _ in range(KILLS):
        proc = await asyncio.to_thread(_start, env)
        await asyncio.sleep(rng.uniform(0.05, 0.4))
        if len(recorder.received) < EMAILS:
            landed += 1
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait)

    proc = await asyncio.to_thread(_start, env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with migrated_db.session() as s:
            if (await count_emails(s))["delivered"] == EMAILS:
                break
        await asyncio.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(proc.wait, 15)

    async with migrated_db.session() as s:
        assert await count_emails(s) == {"created": 0, "sending": 0, "delivered": EMAILS, "failed": 0}
    assert landed >= KILLS // 2, "the kills did not interrupt the work; test proves nothing"
    got = Counter(str(m["To"]) for m in recorder.received)
    assert set(got) == {f"p{i}@example.jp" for i in range(EMAILS)}  # nothing lost
    by_id = Counter(str(m["Message-ID"]) for m in recorder.received)
    assert len(by_id) == EMAILS  # a repeat is always the same email (same Message-ID)
    repeats = sum(by_id.values()) - EMAILS
    assert repeats <= KILLS, f"{repeats} repeats for {KILLS} kills"
    assert get_settings().smtp_url is None  # the test process itself kept the embedded settings
