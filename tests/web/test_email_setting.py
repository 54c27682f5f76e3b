"""The email address setting: a code goes out by real SMTP (aiosmtpd), and the address is saved
only when that code comes back from the same browser."""

import re
from pathlib import Path
from typing import Any

import pytest
from tests.notify.conftest import Recorder, SMTPServer, free_port
from tests.web.test_supporter_pages import person, token_of

from tenohira.core import get_settings
from tenohira.notify.delivery import deliver_once, make_transport


@pytest.fixture
def smtp_server() -> Any:
    server = SMTPServer(free_port(), Recorder())
    server.start()
    yield server
    server.stop()


async def test_email_is_saved_only_after_the_code_comes_back(
    migrated_db: Any, tmp_path: Path, smtp_server: SMTPServer
) -> None:
    browser, _ = await person(migrated_db, tmp_path, "住民 花子", "PALM-E")
    page = await browser.get("/settings/email")
    assert page.status_code == 200 and "未登録" in page.text
    token = token_of(page.text)
    bad = await browser.post("/settings/email", data={"csrf_token": token, "email": "not-an-address"})
    assert bad.status_code == 422 and "not-an-address" in bad.text  # what was typed stays
    r = await browser.post("/settings/email", data={"csrf_token": token, "email": "hanako@example.jp"})
    assert r.status_code == 303
    settings = get_settings().model_copy(update={"smtp_url": smtp_server.url})
    assert await deliver_once(migrated_db, settings, make_transport(settings)) >= 1
    (mail,) = smtp_server.recorder.received
    assert smtp_server.recorder.envelopes[0].rcpt_tos == ["hanako@example.jp"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    code = re.search(r"確認コード：(\d{8})", body)
    assert code and f"/settings/email?code={code.group(1)}" in body
    # not saved yet; a wrong code is refused and saves nothing
    assert (await browser.get("/api/palm/contact")).json()["email"] is None
    wrong = "00000000" if code.group(1) != "00000000" else "11111111"
    refused = await browser.post("/settings/email/verify", data={"csrf_token": token, "code": wrong})
    assert refused.status_code == 422 and "確認コードが違います" in refused.text
    assert (await browser.get("/api/palm/contact")).json()["email"] is None
    ok = await browser.post("/settings/email/verify", data={"csrf_token": token, "code": code.group(1)})
    assert ok.status_code == 303 and ok.headers["location"] == "/settings/email?verified=1"
    assert (await browser.get("/api/palm/contact")).json()["email"] == "hanako@example.jp"
    # the code was for this browser's pending address only: used once, the cookie is gone
    again = await browser.post("/settings/email/verify", data={"csrf_token": token, "code": code.group(1)})
    assert again.status_code == 422
