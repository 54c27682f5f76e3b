"""examples/bank_account_opening runs with one command and verifies a resident with the card."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

BANK = Path(__file__).resolve().parents[2] / "examples" / "bank_account_opening" / "bank.py"


def test_bank_example_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "bank.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENOHIRA_")}
    bank = subprocess.Popen(
        [sys.executable, str(BANK), "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    try:
        deadline = time.monotonic() + 300
        while "てのひら銀行: http" not in (tmp_path / "bank.log").read_text():
            assert bank.poll() is None and time.monotonic() < deadline, (tmp_path / "bank.log").read_text()
            time.sleep(0.5)
        rp = httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False, timeout=60)
        authorization = rp.get("/start").headers["location"]
        provider = httpx.Client(base_url=authorization.split("/oidc/")[0], follow_redirects=False, timeout=60)
        page = provider.get(provider.get(authorization).headers["location"])
        assert "てのひら銀行 に情報を送りますか" in page.text and "普通預金口座開設申込書" in page.text
        form = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
            "decision": "allow",
            "card": "R0000002",
            "pin": "1234",
            "password": "TENOHIRA26",
            "facts": re.findall(r'name="facts" value="([a-z]+)"', page.text),
            "sign": "yes",
        }
        action = re.search(r'action="(/oidc/consent/[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        callback = provider.post(action, data=form).headers["location"]
        done = rp.get(callback.replace(f"http://127.0.0.1:{port}", ""))
        assert done.status_code == 200 and "本人確認ができました（aal3）" in done.text
        assert "署名付き申込書を受け取りました" in done.text and "birthdate" in done.text
    finally:
        bank.send_signal(signal.SIGTERM)
        bank.wait(30)
        log.close()
