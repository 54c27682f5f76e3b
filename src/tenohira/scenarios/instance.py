"""What every life-event scenario stands on: a fresh embedded instance of the platform (its
own data directory, a free port, ``tenohira run`` in a subprocess), the counter's card, and the
steps report (each step timed; a failed step says what failed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PIN, PASSWORD = "1234", "TENOHIRA26"  # of the cards the scenarios issue


class StepFailed(Exception):
    """A step of the story did not work: the message says what."""


@dataclass
class Report:
    steps: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, Any]]:
        detail: dict[str, Any] = {}
        started = time.perf_counter()
        entry: dict[str, Any] = {"step": name, "ok": False}
        self.steps.append(entry)
        try:
            yield detail
            entry["ok"] = True
        except (StepFailed, httpx.HTTPError, KeyError, ValueError, OSError) as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
            entry.update(detail)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tenohira.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Instance:
    url: str
    env: dict[str, str]
    data_dir: Path | None
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_embedded(
    workdir: Path,
    residents: int,
    progress: Callable[[str], None],
    extra_env: dict[str, str] | None = None,
) -> Instance:
    """Start ``tenohira run`` on a free port with its own data directory (``workdir/var``); wait until
    ready. ``extra_env`` adds settings (e.g. ``TENOHIRA_CRASH_AT`` in crash tests)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENOHIRA_")}
    env.update(extra_env or {})
    env.update(
        {
            "TENOHIRA_DATA_DIR": str(workdir / "var"),
            "TENOHIRA_PORT": str(port),
            "TENOHIRA_HOST": "127.0.0.1",
            "TENOHIRA_DEMO_RESIDENTS": str(residents),
            "TENOHIRA_ENVIRONMENT": "development",
            "TENOHIRA_LOG_LEVEL": "WARNING",
        }
    )
    log_path = workdir / "server.log"
    progress(f"starting an embedded instance on port {port}")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from tenohira.cli import main; main()", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    instance = Instance(f"http://127.0.0.1:{port}", env, workdir / "var", process, log_path)
    deadline = time.monotonic() + 240
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StepFailed(f"the server exited ({process.returncode}); see {log_path}")
            try:
                if client.get(f"{instance.url}/readyz").status_code == 200:
                    return instance
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
    instance.stop()
    raise StepFailed("the embedded instance did not become ready in 240 s")


def issue_card(resident: str, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``tenohira card issue`` at the counter; retried when the embedded database was busy."""
    args = ["card", "issue", "--resident", resident, "--out", str(out), "--pin", PIN, "--password", PASSWORD]
    done = run_cli(args, env)
    for _ in range(2):
        if done.returncode == 0 or "database is locked" not in done.stderr:
            break
        shutil.rmtree(out, ignore_errors=True)
        time.sleep(1)
        done = run_cli(args, env)
    return done


def check(response: httpx.Response, what: str, *ok: int) -> Any:
    if response.status_code not in (ok or (200, 201)):
        raise StepFailed(f"{what}: HTTP {response.status_code} {response.text[:600]}")
    return response.json() if response.content else None
