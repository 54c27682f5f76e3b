"""The consent screen in a real browser (Debian chromium + Playwright): an RP (Authlib) pushes
its request, the resident logs in with the card on the consent screen, keeps one fact back,
consents, the RP gets its tokens; the release appears on the access-history page and consent is
withdrawn on "connected services". axe-core checks each page (WCAG 2.2 AA)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.oidc.support import PASSWORD, register, run
from tests.oidc.test_authlib import authlib_client
from tests.web.test_browser import CHROMIUM, LAUNCH_ARGS, Checker, demo_cards, wait_for_linked_card

__all__ = ["demo_cards"]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)"
)


def test_consent_in_the_browser(demo_cards: None, live_server: Any) -> None:
    from playwright.sync_api import Route, sync_playwright

    from tenohira.core import get_settings

    wait_for_linked_card(Path(get_settings().data_dir), "R0000002")
    base = live_server.url
    rp = run(register(scopes="openid name address birthdate gender sign"))
    meta = httpx.get(f"{base}/.well-known/openid-configuration").json()
    client = authlib_client(rp, "openid name address birthdate gender sign")
    verifier, nonce = uuid.uuid4().hex * 2, uuid.uuid4().hex
    document = "口座開設申込書：普通預金口座の開設を申し込みます。"
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"],
        code_verifier=verifier,
        nonce=nonce,
        sign_document=base64.urlsafe_b64encode(document.encode()).rstrip(b"=").decode(),
    )
    pushed = client.post(
        meta["pushed_authorization_request_endpoint"],
        data={k: v[0] for k, v in parse_qs(urlsplit(url).query).items()},
        auth=client.client_auth("private_key_jwt"),
    )
    assert pushed.status_code == 201, pushed.text
    axe = Checker()
    callbacks: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")

        def relying_party(route: Route) -> None:
            callbacks.append(route.request.url)
            route.fulfill(
                status=200,
                content_type="text/html",
                body="<html lang='en'><title>RP</title><h1>RP</h1></html>",
            )

        context.route("http://127.0.0.1:9/**", relying_party)
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(
            f"{meta['authorization_endpoint']}?client_id={rp.client_id}&request_uri={pushed.json()['request_uri']}"
        )
        assert "/oidc/consent/" in page.url
        assert "てのひら銀行 に情報を送りますか" in page.inner_text("h1")
        assert document in page.inner_text("main")
        axe.check(page, "consent")
        page.uncheck("input[name=facts][value=gender]")  # the resident keeps the sex back
        page.check("input[name=card][value=R0000002]")
        page.fill("#pin", "1234")
        page.fill("#password", PASSWORD)
        page.click("button[name=decision][value=allow]")
        page.wait_for_url("http://127.0.0.1:9/**")
        assert callbacks and callbacks[-1].startswith(rp.redirect_uri)
        token = client.fetch_token(
            meta["token_endpoint"], authorization_response=callbacks[-1], code_verifier=verifier, state=state
        )
        info = httpx.get(
            meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"}
        ).json()
        assert info["name"] and info["name#ja-Kana-JP"]  # the demo card's own name and reading
        assert "gender" not in info and "birthdate" in info
        assert token.get("signature")
        # the resident is now logged in on the platform too: the access history shows the release
        page.goto(f"{base}/access-history")
        history = page.inner_text("main")
        assert "てのひら銀行" in history and "氏名（よみがなを含む）・住所・生年月日" in history
        axe.check(page, "access-history")
        page.goto(f"{base}/oidc/consents")
        axe.check(page, "consents")
        page.click("button:has-text('同意を取り消す')")
        assert "同意を取り消しました" in page.inner_text("main")
        assert (
            httpx.get(
                meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"}
            ).status_code
            == 401
        )
        browser.close()
    assert not axe.problems, "\n".join(axe.problems)
