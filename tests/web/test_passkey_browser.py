"""Passkeys from the pages in a real browser (Debian's Chromium, Playwright) with Chromium's
virtual authenticator (CDP WebAuthn.addVirtualAuthenticator: CTAP2, internal, resident keys, user
verification): card login → Settings → Passkeys → "Register this device as a passkey" → logout →
"Log in with a passkey" on the login page → the list says when it was last used. axe-core on the
passkey pages; a browser without WebAuthn gets words, not a broken button.

The platform is served as http://localhost:PORT (an IP address is not a valid WebAuthn RP ID).
"""

from pathlib import Path
from typing import Any

import pytest
from tests.web.test_browser import CHROMIUM, LAUNCH_ARGS, Checker, wait_for_linked_card

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)"
)


@pytest.fixture
def on_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo cards, a small population, and the base URL on localhost (before live_server starts)."""
    monkeypatch.setenv("TENOHIRA_WEB_DEMO_CARDS", "1")
    monkeypatch.setenv("TENOHIRA_HOST", "localhost")
    monkeypatch.setenv("TENOHIRA_TEST_DEMO_RESIDENTS", "40")


def test_register_and_log_in_with_a_passkey_from_the_pages(on_localhost: None, live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    from tenohira.core import get_settings

    wait_for_linked_card(Path(get_settings().data_dir), "R0000002")
    base = get_settings().resolved_base_url
    assert base.startswith("http://localhost:")
    axe = Checker()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

        page.goto(f"{base}/login")
        assert page.locator("#passkey-login").is_visible()  # shown: this browser has WebAuthn
        axe.check(page, "login-with-passkey")
        page.check("input[name=card][value=R0000002]")
        page.fill("#pin", "1234")
        page.click("button[type=submit]:has-text('ログイン')")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/settings")
        page.click("a[href='/settings/passkeys']")
        assert "登録しているパスキーはありません" in page.inner_text("main")
        assert not page.locator("[data-passkey-msg=noscript]").is_visible()
        axe.check(page, "passkeys-empty")
        page.click("#passkey-add")
        page.wait_for_url(f"{base}/settings/passkeys?added=1")
        main = page.inner_text("main")
        assert "この端末をパスキーとして登録しました" in main and "パスキー 1" in main
        assert "まだ使っていません" in main
        axe.check(page, "passkeys-one")
        credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
        assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
        # the same device again: the authenticator refuses (excludeCredentials) and the page says so
        page.click("#passkey-add")
        page.locator("[data-passkey-msg=exists]").wait_for(state="visible")

        page.click("footer form[action='/logout'] button")
        page.wait_for_url(f"{base}/login?logged_out=1")
        page.click("#passkey-login-button")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/settings/passkeys")
        main = page.inner_text("main")
        assert "まだ使っていません" not in main and "最後に使った日時" in main
        # a passkey session cannot add another passkey: words instead of the button
        assert page.locator("#passkey-add").count() == 0 and "カードでログインし直してください" in main
        axe.check(page, "passkeys-after-passkey-login")
        # removing it from the page, after the confirmation in words
        page.click("main form[method=get] button")
        assert "パスキー 1 を削除しますか" in page.inner_text("main")
        axe.check(page, "passkey-remove-confirm")
        page.click("main form[action='/settings/passkeys/remove'] button")
        page.wait_for_url(f"{base}/settings/passkeys?removed=1")
        assert "使えなくなったパスキー" in page.inner_text("main")

        # a browser without WebAuthn: the login page keeps only the card, the settings page says why
        plain = browser.new_context(locale="ja-JP")
        plain.add_init_script("delete window.PublicKeyCredential;")
        old = plain.new_page()
        old.goto(f"{base}/login")
        assert not old.locator("#passkey-login").is_visible()
        old.check("input[name=card][value=R0000002]")
        old.fill("#pin", "1234")
        old.click("button[type=submit]:has-text('ログイン')")
        old.wait_for_url(f"{base}/")
        old.goto(f"{base}/settings/passkeys")
        assert old.locator("[data-passkey-msg=unsupported]").is_visible()
        assert not old.locator("#passkey-add").is_visible()
        browser.close()
    assert errors == []
    assert axe.problems == [], "\n".join(axe.problems)
