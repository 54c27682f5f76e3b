"""The end-to-end test of the platform: ``tenohira scenario birth --json`` against a fresh instance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any


def _scenario(
    *args: str, timeout: float = 240, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], Any]:
    """``tenohira scenario birth --json ARGS`` in a subprocess: the process and its JSON summary."""
    done = subprocess.run(
        [sys.executable, "-c", "from tenohira.cli import main; main()", "scenario", "birth", "--json", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    return done, json.loads(done.stdout)


def test_scenario_birth_end_to_end() -> None:
    started = time.monotonic()
    done, summary = _scenario()
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert done.returncode == 0 and summary["ok"], (failed, summary.get("server_log_tail"))
    assert summary["birth_notification"]["status"] == "accepted"
    assert summary["birth_notification"]["retried_submit_filed_once"] is True
    assert {"filer_name", "birth_date"} <= set(summary["birth_notification"]["prefilled_fields"])
    for notice in summary["notices"]:
        assert notice["procedure"] and "deadline" in notice
    statuses = {a["procedure"]: a["status"] for a in summary["applications"]}
    assert statuses, summary
    assert set(statuses.values()) <= {"approved", "rejected", "accepted", "queued", "handed_over"}
    if "childcare_leave_benefit" in statuses:  # Hello Work has no system here: handed over, not filed
        assert statuses["childcare_leave_benefit"] == "handed_over"
    if "child_allowance_claim" in statuses:
        assert statuses["child_allowance_claim"] == "approved"
    filed = [a for a in summary["applications"] if a["status"] != "handed_over"]
    assert all(a.get("reference") for a in filed)
    assert summary["emails_sent"] >= len(filed) + 1  # each decision and the birth notification
    assert summary["access_history_entries"] > 0
    assert "municipality.application-intake" in summary["access_history_services"]
    assert time.monotonic() - started < 180


def test_scenario_reports_a_failed_step_and_exits_non_zero(tmp_path: object) -> None:
    # a running instance without a card or its data directory: the counter step cannot be done
    done, summary = _scenario("--url", "http://127.0.0.1:9", timeout=120)
    assert done.returncode == 1 and summary["ok"] is False
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert failed and failed[0]["step"] == "card" and "--card" in failed[0]["error"]


def test_scenario_against_a_running_instance(live_server: Any) -> None:
    # `--url` + `--data-dir`: the counter's card issue must link the card at *that* instance's
    # hub, even when the caller's environment does not name its port
    env = {k: v for k, v in os.environ.items() if k not in ("TENOHIRA_PORT", "TENOHIRA_BASE_URL")}
    data_dir = os.environ["TENOHIRA_DATA_DIR"]
    done, summary = _scenario("--url", live_server.url, "--data-dir", data_dir, env=env)
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert done.returncode == 0 and summary["ok"], failed
    assert summary["birth_notification"]["status"] == "accepted"
    assert summary["applications"] and summary["access_history_entries"] > 0
