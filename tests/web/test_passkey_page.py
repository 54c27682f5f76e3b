"""The passkey settings page (issue #19) without a browser: the list in words, removing after a
confirmation, another resident's passkey cannot be removed, and the texts in the three languages
pass the page walk's detector (no ids, no ISO dates). The authenticator is the software one of the
identity tests (real ES256, verification unmocked); the browser test drives Chromium's."""

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import text
from tests.identity.authenticator import SoftAuthenticator
from tests.web.test_supporter_pages import person, token_of
from tests.web.wording_check import problems

from tenohira.core import get_database, get_settings
from tenohira.identity.models import LoginSession, Passkey


def visible(page: str) -> str:
    main = page.split("<main", 1)[-1].split("</main>", 1)[0].split(">", 1)[-1]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"<rt>.*?</rt>|<[^>]+>", " ", main, flags=re.S))


async def enrol(browser: Any) -> str:
    options = (await browser.post("/api/auth/passkeys/registration-options")).json()
    answer = SoftAuthenticator(get_settings().resolved_base_url).create(options)
    r = await browser.post("/api/auth/passkeys", json={"credential": answer})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_passkeys_listed_in_words_and_removed_only_by_their_owner(
    migrated_db: Any, tmp_path: Path
) -> None:
    owner, _ = await person(migrated_db, tmp_path, "住民 花子", "PALM-P")
    other, _ = await person(migrated_db, tmp_path, "住民 次郎", "PALM-Q")
    try:
        settings = await owner.get("/settings")
        assert 'href="/settings/passkeys"' in settings.text
        empty = await owner.get("/settings/passkeys")
        assert empty.status_code == 200 and "登録しているパスキーはありません" in empty.text
        assert 'id="passkey-add"' in empty.text and 'src="/static/passkeys.js"' in empty.text
        passkey = await enrol(owner)
        second = await enrol(owner)  # a second device, kept in a known provider
        async with get_database().session() as s:
            await s.execute(
                sa.update(Passkey)
                .where(Passkey.id == second)
                .values(aaguid="ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
            )

        for lang, words in (("ja", "パスキー 1"), ("en", "Passkey 1"), ("easy_ja", "パスキー 1")):
            owner.cookies.set("tenohira_lang", lang)
            page = await owner.get("/settings/passkeys")
            assert (
                page.status_code == 200
                and words in page.text
                and "パスキー 2" in visible(page.text).replace("Passkey", "パスキー")
            )
            assert passkey not in visible(page.text)  # the credential id is in the form only
            assert "Google" in visible(page.text) and "00000000" not in page.text  # the AAGUID is never shown
            assert problems(visible(page.text), lang, where="passkeys") == []
            confirm = await owner.get("/settings/passkeys", params={"remove": passkey})
            assert problems(visible(confirm.text), lang, where="passkey removal") == []
        owner.cookies.set("tenohira_lang", "ja")
        confirm = await owner.get("/settings/passkeys", params={"remove": passkey})
        assert "パスキー 1 を削除しますか" in confirm.text and "ログインできなくなります" in confirm.text
        assert "まだ使っていません" in confirm.text

        # another resident cannot remove it (identity answers "not found")
        other_token = token_of((await other.get("/settings/passkeys")).text)
        refused = await other.post(
            "/settings/passkeys/remove", data={"csrf_token": other_token, "passkey": passkey}
        )
        assert refused.status_code == 404
        assert (
            len(
                [p for p in (await owner.get("/api/auth/passkeys")).json()["passkeys"] if not p["revoked_at"]]
            )
            == 2
        )
        # not without the form's token either
        no_csrf = await owner.post("/settings/passkeys/remove", data={"passkey": passkey})
        assert no_csrf.status_code == 403

        token = token_of(confirm.text)
        done = await owner.post("/settings/passkeys/remove", data={"csrf_token": token, "passkey": passkey})
        assert done.status_code == 303 and done.headers["location"] == "/settings/passkeys?removed=1"
        after = await owner.get("/settings/passkeys?removed=1")
        assert "パスキーを削除しました" in after.text
        assert "使えなくなったパスキー" in after.text and "に削除しました" in after.text
        assert "パスキー 1 を削除する" not in after.text and "パスキー 2 を削除する" in after.text
        assert problems(visible(after.text), "ja", where="passkeys after removal") == []
        async with get_database().session() as s:
            logged = (
                await s.execute(text("SELECT type FROM audit_entries WHERE type = 'passkey:removed'"))
            ).all()
        assert len(logged) == 1
    finally:
        await owner.aclose()
        await other.aclose()


async def test_the_login_page_offers_a_passkey_and_the_settings_page_asks_for_a_fresh_card_login(
    migrated_db: Any, tmp_path: Path
) -> None:
    browser, _ = await person(migrated_db, tmp_path, "住民 三郎", "PALM-Z")
    try:
        fresh = await browser.get("/settings/passkeys")
        assert 'id="passkey-add"' in fresh.text
        # a session older than the enrolment window gets words, not a button that would be refused
        async with get_database().session() as s:
            await s.execute(sa.update(LoginSession).values(created_at=datetime.now(UTC) - timedelta(hours=1)))
        stale = await browser.get("/settings/passkeys")
        assert stale.status_code == 200 and 'id="passkey-add"' not in stale.text
        assert "15分以内に登録できます" in stale.text
        for lang in ("ja", "en", "easy_ja"):
            browser.cookies.set("tenohira_lang", lang)
            assert (
                problems(visible((await browser.get("/settings/passkeys")).text), lang, where="stale") == []
            )
        anonymous = await browser.post("/logout", data={"csrf_token": token_of(stale.text)})
        assert anonymous.status_code == 303
        browser.cookies.delete("tenohira_session")
        login = await browser.get("/login")
        assert 'id="passkey-login"' in login.text and 'src="/static/passkeys.js"' in login.text
        script = await browser.get("/static/passkeys.js")
        assert script.status_code == 200 and "navigator.credentials.create" in script.text
    finally:
        await browser.aclose()
