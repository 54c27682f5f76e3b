"""Presentation (issue #13): error pages by Accept, /docs from the installed package, values in
words, the signing password rule and the page-text detector itself."""

from datetime import date
from typing import Any

import httpx
import pytest
from tests.web.wording_check import problems

from tenohira.app import create_app
from tenohira.core import wording
from tenohira.web import words

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
async def client(migrated_db: Any) -> httpx.AsyncClient:
    app = create_app(background=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_unknown_urls_are_pages_for_browsers_and_problems_for_apis(client: httpx.AsyncClient) -> None:
    page = await client.get("/no-such-page", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "見つかりません" in page.text and "urn:tenohira:problem" not in page.text
    assert "<title>エラー" in page.text or "<title>" in page.text
    english = await client.get("/no-such-page", headers={**BROWSER, "accept-language": "en"})
    assert "urn:tenohira" not in english.text and english.status_code == 404
    api = await client.get("/no-such-page", headers={"accept": "application/json"})
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["type"] == "urn:tenohira:problem:not-found"
    # under the APIs a browser still gets problem+json (a script reads it)
    under_api = await client.get("/api/no-such-thing", headers=BROWSER)
    assert under_api.headers["content-type"].startswith("application/problem+json")


async def test_docs_are_served_from_the_installed_package(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "<script>" not in docs.text  # no inline script
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for src in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/static/docs.js"):
        assert src in docs.text
        asset = await client.get(src)
        assert asset.status_code == 200 and len(asset.content) > 200, src
    assert (await client.get("/docs/assets/../core.py")).status_code == 404
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")


async def test_the_printed_city_data_url_answers(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ngsi-ld/v1/types")).status_code == 200


def test_field_values_in_words() -> None:
    assert words.field_value("birth_notification", "birth_weight_g", 3367, "ja") == "3,367グラム"
    assert words.field_value("birth_notification", "child_sex", "female", "en") == "Female"
    assert words.field_value("x", "born_on", "2026-11-20", "ja") == "令和8年（2026年）11月20日"
    account = {"bank": "手のひら銀行", "branch": "本店", "number": "1234567"}
    assert (
        words.field_value("x", "account", account, "en")
        == "Bank: 手のひら銀行, Branch: 本店, Account number: 1234567"
    )
    assert "hub-subject" not in words.field_value("x", "mother_resident", "hub-subject", "ja")
    assert words.actor_label("supporter:R1", "ja") == "デジタル支援者"
    assert words.actor_label("municipality", "en") == "Tenohira City Office"


def test_sentences_from_other_modules_are_made_readable() -> None:
    text = words.sentence("head-1 が受給できます。2023-04-01施行 (check)", "ja")
    assert text == "世帯主 が受給できます。令和5年（2023年）4月1日施行（未確認）"
    assert words.sentence("Covered from 2026-11-20.", "en") == "Covered from 20 November 2026."
    assert words.legal_basis("デジタル手続法 第6条 (check)", "en").endswith("(not yet confirmed)")


def test_the_detector_catches_what_the_issue_saw() -> None:
    seen = "female mother hub-subject head-1 m1 spouse-2 hello-work municipality.application-intake"
    found = problems(
        seen + " application / prefill (3 field(s) from agencies via the hub) (check) 2026-11-20", "ja"
    )
    for word in (
        "hub-subject",
        "head-1",
        "m1",
        "spouse-2",
        "hello-work",
        "municipality.application-intake",
        "2026-11-20",
        "(check)",
        "field(s)",
        "female",
    ):
        assert any(repr(word) in f for f in found), word
    assert problems("出生届（期限：令和8年（2026年）12月3日）", "ja") == []
    english = problems("Child allowance（monthly）、手のひら市役所", "en")
    assert any("（" in f for f in english) and any("手のひら市役所" in f for f in english)
    assert problems("Health check-up at 1 year 6 months; post-birth leave", "en") == []
    assert wording.date_words(date(2026, 12, 3), "en") == "3 December 2026"


def test_signing_password_follows_the_card_rule() -> None:
    from tenohira.web.citizen import SIGNING_PASSWORD

    assert SIGNING_PASSWORD.fullmatch("TENOHIRA26")
    for bad in ("tenohira26", "TENOHIRA", "123456", "AB12", "A1" * 9):
        assert not SIGNING_PASSWORD.fullmatch(bad), bad
