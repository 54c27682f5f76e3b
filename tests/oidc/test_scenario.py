"""``tenohira scenario oidc --json`` against a fresh embedded instance: every flow ok, exit 0."""

from __future__ import annotations

import json
import subprocess
import sys


def test_scenario_oidc_json() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from tenohira.cli import main; main()", "scenario", "oidc", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["ok"] is True and summary["issuer"].startswith("http://127.0.0.1:")
    flows = {f["flow"]: f["ok"] for f in summary["flows"]}
    assert all(flows.values()) and len(flows) >= 12
    assert set(summary["claims_released"]) >= {"name", "address", "birthdate", "gender"}
    assert summary["signature"] in ("verified", "openssl not installed")
    channels = {e["channel"]: e["released"] for e in summary["access_history_entries"]}
    assert "sign" in channels["token"] and "sign" not in channels["userinfo"]
