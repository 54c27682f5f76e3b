"""Do them for me through the citizen pages on the running platform (issue #13, item 2):

- the question step runs every check the agencies make before anything is signed, with a message
  at each field in ja / en / easy Japanese, keeps what was typed, and says nothing is required
  before the resident has sent the form: an account number 「12-34a」, a 400-character branch
  name, a leave ending before it starts and a birth of 0 babies are refused;
- the signing step shows exactly what the card signs: each application's document in words,
  read from the very document whose digest the manifest lists (ja / en / easy Japanese), and a
  manifest changed after the page was shown is not signed;
- drafts: deleting one takes it off the list and keeps it in its history as withdrawn; another
  resident's draft and an application that is no longer a draft cannot be deleted.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.test_browser import wait_for_linked_card
from tests.web.wording_check import problems

from tenohira.core import get_settings, wording
from tenohira.core.signed_documents import (
    EnvelopeError,
    ManifestEntry,
    build_document,
    build_manifest,
    sha256_hex,
)
from tenohira.web.citizen import held_errors, to_be_signed
from tenohira.web.demo_cards import DEMO_PASSWORD, DEMO_PIN

MOTHER, SPOUSE = "R0000002", "R0000001"
PROCEDURES = ["maternity_allowance", "child_allowance_claim", "childcare_leave_benefit"]
GOOD = {
    "bank_account.bank": "手のひら銀行",
    "bank_account.branch": "本店",
    "bank_account.type": "普通",
    "bank_account.number": "7654321",
    "supported_older_children": "0",
    "due_date": "2026-11-20",
    "birth_date": "2026-11-22",
    "leave_from": "2026-10-10",
    "leave_to": "2027-01-15",
    "salary_paid": "0",
    "number_of_babies": "1",
}
BAD = {
    **GOOD,
    "bank_account.number": "12-34a",
    "bank_account.branch": "支" * 400,
    "leave_to": "2026-09-30",  # before the leave starts
    "number_of_babies": "0",  # the insurer takes 1 to 5 (it refused 0 only after the signature)
}


@pytest.fixture
def demo_cards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENOHIRA_WEB_DEMO_CARDS", "1")


def token_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def web_login(base: str, resident: str) -> httpx.AsyncClient:
    web = httpx.AsyncClient(base_url=base, timeout=60)
    page = await web.get("/login")
    r = await web.post("/login", data={"csrf_token": token_of(page.text), "card": resident, "pin": DEMO_PIN})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text[:500]
    return web


async def post_form(
    web: httpx.AsyncClient, page_path: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    page = await web.get(page_path)
    return await web.post(action, data={"csrf_token": token_of(page.text), **data})


def main_of(page: str) -> str:
    return page.split("<main", 1)[-1].split("</main>", 1)[0]


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="q-{re.escape(name)}-err">(.*?)</p>', page, re.S)
    assert match, f"no message at {name}"
    return html.unescape(match.group(1))


def sections(page: str) -> list[str]:
    return re.findall(r'<section class="to-sign card"(.*?)</section>', page, re.S)


async def as_lang(web: httpx.AsyncClient, path: str, lang: str) -> str:
    web.cookies.set("tenohira_lang", lang)
    try:
        return (await web.get(path)).text
    finally:
        web.cookies.set("tenohira_lang", "ja")


async def test_questions_are_checked_before_signing_and_the_page_shows_what_is_signed(
    demo_cards: None, live_server: Any, tmp_path: Path
) -> None:
    data_dir = Path(get_settings().data_dir)
    wait_for_linked_card(data_dir, MOTHER)
    web = await web_login(live_server.url, MOTHER)
    try:
        query = "&".join(f"procedure={p}" for p in PROCEDURES)
        r = await post_form(web, f"/bundles/new?{query}", "/bundles", {"procedure": PROCEDURES})
        assert r.status_code == 303, r.text[:500]
        path = r.headers["location"]
        bundle_id = path.rsplit("/", 1)[-1]

        # before anything is typed: the questions, and not one message (nothing is "required" yet)
        first = (await web.get(path)).text
        assert 'action="/bundles/' + bundle_id + '/answers"' in first
        for name in ("bank_account", "leave_to"):
            assert f'id="q-{name}' in first, name
        assert (
            "field-error" not in first and "この項目は必須です" not in first and "必須" not in main_of(first)
        )

        # an empty form sent: now each empty field says so, in the page's words
        empty = await post_form(web, path, f"{path}/answers", {})
        assert empty.status_code == 422
        assert "この項目は必須です" not in empty.text
        assert field_error(empty.text, "leave_to") == "入力してください。"

        # the bad examples of the issue: refused before any signature, each at its field
        bad = await post_form(web, path, f"{path}/answers", BAD)
        assert bad.status_code == 422, bad.text[:500]
        assert "口座番号は7桁の数字" in field_error(bad.text, "bank_account")
        assert "「休業開始日」より前" in field_error(bad.text, "leave_to")
        assert field_error(bad.text, "number_of_babies") == "1から5までの整数で入力してください"
        assert "この項目は必須です" not in bad.text
        # what was typed stays in the form
        assert 'value="12-34a"' in bad.text and 'value="' + "支" * 400 + '"' in bad.text
        assert 'value="2026-09-30"' in bad.text and 'value="手のひら銀行"' in bad.text
        assert 'name="password"' not in bad.text  # nothing offered for signing
        # the same checks in English and in easy Japanese (with readings)
        english = await as_lang(web, path, "en")
        assert "7-digit account number" in field_error(english, "bank_account")
        assert "This date is before First day off" in field_error(english, "leave_to")
        assert field_error(english, "number_of_babies") == "Enter a whole number from 1 to 5"
        easy = await as_lang(web, path, "easy_ja")
        assert "<ruby>" in field_error(easy, "bank_account") and "{" not in field_error(easy, "bank_account")
        # a page opened again still shows the kept values and what is wrong with them
        again = (await web.get(path)).text
        assert 'value="12-34a"' in again and "口座番号は7桁の数字" in field_error(again, "bank_account")

        # corrected: the set opens for signing and the page shows each document in words
        good = await post_form(web, path, f"{path}/answers", GOOD)
        assert good.status_code == 303, field_errors_of(good.text)
        page = (await web.get(path)).text
        shown = sections(page)
        assert len(shown) == 2, page  # the two filed here (Hello Work's is handed over, not signed)
        allowance = next(s for s in shown if "出産手当金" in s)
        for words in (
            "令和8年（2026年）10月10日",
            "令和9年（2027年）1月15日",
            "手のひら銀行",
            "7654321",
            "預金の種類: 普通",
        ):
            assert words in allowance, words
        assert "2026-10-10" not in page and "bank_account" not in main_of(page)
        assert 'name="manifest_sha256"' in page and 'name="password"' in page
        english = await as_lang(web, path, "en")
        assert "10 October 2026" in "".join(sections(english)) and "Account type: Ordinary" in english
        easy = await as_lang(web, path, "easy_ja")
        assert "<ruby>" in "".join(sections(easy)) and "{" not in "".join(sections(easy))
        found = [
            p
            for lang, text in (("ja", page), ("en", english), ("easy_ja", easy))
            for p in words_wrong(text, lang)
        ]
        assert not found, found

        # a manifest other than the one shown is not signed
        changed = await post_form(
            web, path, f"{path}/sign", {"password": DEMO_PASSWORD, "manifest_sha256": "0" * 64}
        )
        assert changed.status_code == 409 and "内容が変わりました" in changed.text
        assert 'name="password"' in changed.text  # still open: shown again, to be checked and signed

        signed = await post_form(
            web,
            path,
            f"{path}/sign",
            {"password": DEMO_PASSWORD, "manifest_sha256": shown_sha(page)},
        )
        assert signed.status_code == 303, signed.text[:800]
        after = (await web.get(path)).text
        assert 'name="password"' not in after and "出産手当金" in after
    finally:
        await web.aclose()


def words_wrong(page: str, lang: str) -> list[str]:
    """The page walk's detector (tests/web/wording_check.py) on the text of the page's main part."""
    text = re.sub(r"<rt>.*?</rt>|<[^>]+>", " ", main_of(page).split(">", 1)[-1], flags=re.S)
    return problems(html.unescape(text), lang, where="bundle signing step")


def shown_sha(page: str) -> str:
    match = re.search(r'name="manifest_sha256" value="([0-9a-f]{64})"', page)
    assert match
    return match.group(1)


def field_errors_of(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'class="field-error"[^>]*>(.*?)</p>', page, re.S)]


def test_what_is_shown_comes_from_the_documents_the_manifest_lists() -> None:
    doc = build_document(
        application_id="A1",
        procedure="maternity_allowance",
        deciding_agency="insurer",
        fields={"leave_from": "2026-10-10", "salary_paid": 0},
        flags=[],
        prepared_at="2026-12-03T00:00:00+00:00",
    )
    manifest = build_manifest(
        "S1", [ManifestEntry("A1", "maternity_allowance", "insurer", sha256_hex(doc))], "2026-12-03T00:00:00"
    )
    m64, d64 = base64.b64encode(manifest).decode(), base64.b64encode(doc).decode()
    app = {"id": "A1", "procedure": "maternity_allowance", "state": "confirmed", "document": d64}
    # the application's current fields say something else: the page shows the document
    shown = to_be_signed(m64, [{**app, "fields": {"leave_from": "2027-01-01"}}], "ja")
    values = [f["value"] for f in shown[0]["shown"]]
    assert wording.date_words("2026-10-10", "ja") in values and "0円" in values
    assert wording.date_words("2027-01-01", "ja") not in values
    # a document whose digest the manifest does not list, or none at all: nothing is offered
    other = doc.replace(b"2026-10-10", b"2026-10-11")
    with pytest.raises(EnvelopeError):
        to_be_signed(m64, [{**app, "document": base64.b64encode(other).decode()}], "ja")
    with pytest.raises(EnvelopeError):
        to_be_signed(m64, [{**app, "document": None}], "ja")


async def test_deleting_a_draft(demo_cards: None, live_server: Any) -> None:
    data_dir = Path(get_settings().data_dir)
    wait_for_linked_card(data_dir, MOTHER)
    wait_for_linked_card(data_dir, SPOUSE)
    mother = await web_login(live_server.url, MOTHER)
    spouse = await web_login(live_server.url, SPOUSE)
    try:
        query = "&".join(f"procedure={p}" for p in PROCEDURES)
        r = await post_form(mother, f"/bundles/new?{query}", "/bundles", {"procedure": PROCEDURES})
        assert r.status_code == 303
        listing = (await mother.get("/applications")).text
        drafts = re.findall(r'action="/applications/(A[0-9a-f]+)/delete"', listing)
        assert len(drafts) == 2, listing  # the two still missing answers; Hello Work's is handed over
        handed = [a for a in re.findall(r'href="/applications/(A[0-9a-f]+)"', listing) if a not in drafts]
        assert handed, "the handed-over application is listed apart from the drafts"
        draft = drafts[0]

        # another resident cannot delete it (and learns nothing of it)
        other = await post_form(spouse, "/applications", f"/applications/{draft}/delete", {})
        assert other.status_code == 404
        assert f"/applications/{draft}/delete" in (await mother.get("/applications")).text

        # an application that is no longer a draft cannot be deleted
        kept = await post_form(mother, "/applications", f"/applications/{handed[0]}/delete", {})
        assert kept.status_code == 409 and "下書きだけ削除できます" in kept.text

        # the owner deletes it: off the list, kept in its history as withdrawn
        gone = await post_form(mother, "/applications", f"/applications/{draft}/delete", {})
        assert gone.status_code == 303 and gone.headers["location"] == "/applications"
        listing = (await mother.get("/applications")).text
        assert f"/applications/{draft}" not in listing and len(re.findall(r"/delete\"", listing)) == 1
        page = (await mother.get(f"/applications/{draft}")).text
        assert page.count("<li") and wording.label("status", "withdrawn", "ja") in page
        assert f"/applications/{draft}/delete" not in page
    finally:
        await mother.aclose()
        await spouse.aclose()


def test_a_wrong_value_an_agency_filled_in_is_said_with_the_agency() -> None:
    app = {
        "procedure": "maternity_allowance",
        "questions": [{"name": "bank_account"}],
        "sources": {"leave_to": "employer.leave_certificate"},
        "missing": [
            {"field": "leave_to", "message": "This date is before First day off", "message_ja": "前です"},
            {"field": "bank_account", "message": "Required", "message_ja": "必須"},
        ],
    }
    held = held_errors([app], "ja")
    assert len(held) == 1 and "休業終了日" in held[0] and "直せません" in held[0]
    english = held_errors([app], "en")
    assert "Last day off" in english[0] and "This date is before" in english[0]
