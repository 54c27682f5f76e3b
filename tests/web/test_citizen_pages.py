"""Citizen pages without a browser: card login with the PIN, wrong PIN and locked card, logout,
inactivity, CSRF, escaping, and pages that fail politely when a part of the platform is away.

These run against the ASGI app (no hub serving), with a card issued straight by identity into
the demo-card place; the browser tests (test_browser.py) run the whole story on a live server.
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tenohira.app import create_app
from tenohira.core import get_settings
from tenohira.identity import BasicFacts, CardSimulator, ensure_ca, issue_card
from tenohira.web.demo_cards import DEMO_PASSWORD, DEMO_PIN, cards_dir, list_cards

MOTHER = "R0000002"


@pytest.fixture
async def card(migrated_db: Any) -> CardSimulator:
    settings = get_settings()
    ensure_ca(settings)
    facts = BasicFacts(
        name="手野 陽子",
        name_kana="ての ようこ",
        address="手のひら市本町1-1",
        birth_date=date(1994, 4, 2),
        sex="female",
    )
    async with migrated_db.session() as session:
        await issue_card(
            session,
            holder_ref=MOTHER,
            facts=facts,
            pin=DEMO_PIN,
            password=DEMO_PASSWORD,
            out_dir=cards_dir(settings) / MOTHER,
        )
    return CardSimulator.open(cards_dir(settings) / MOTHER)


@pytest.fixture
async def client(migrated_db: Any) -> httpx.AsyncClient:
    app = create_app(background=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, pin: str = DEMO_PIN) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"csrf_token": token_of(page.text), "card": MOTHER, "pin": pin})


async def test_login_page_offers_the_demo_card_and_a_pin_pad(client: httpx.AsyncClient, card: Any) -> None:
    page = await client.get("/login")
    assert page.status_code == 200
    assert "手野 陽子" in page.text and 'value="R0000002"' in page.text
    assert 'class="pinpad"' in page.text and 'inputmode="numeric"' in page.text
    assert "<script>" not in page.text.replace('<script src="/static/app.js" defer></script>', "")
    assert [c.resident_id for c in list_cards(get_settings())] == [MOTHER]


async def test_login_then_logout_leaves_nothing_behind(client: httpx.AsyncClient, card: Any) -> None:
    r = await log_in(client)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.cookies.get("tenohira_session")
    home = await client.get("/")
    assert home.status_code == 200
    assert "ログアウト" in home.text and home.headers["cache-control"] == "no-store"
    assert "お知らせ" in home.text
    out = await client.post("/logout", data={"csrf_token": token_of(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login?logged_out=1"
    assert "tenohira_session" not in client.cookies
    again = await client.get("/")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")
    # the old token, replayed, opens nothing either
    login_page = await client.get("/login?logged_out=1")
    assert "ログアウトしました" in login_page.text


async def test_old_token_is_dead_after_logout(client: httpx.AsyncClient, card: Any) -> None:
    await log_in(client)
    token = client.cookies.get("tenohira_session")
    home = await client.get("/")
    await client.post("/logout", data={"csrf_token": token_of(home.text)})
    client.cookies.set("tenohira_session", str(token))
    r = await client.get("/applications")
    assert r.status_code == 303 and r.headers["location"] == "/login?expired=1"


async def test_wrong_pin_says_tries_left_then_locks(client: httpx.AsyncClient, card: CardSimulator) -> None:
    r = await log_in(client, "9999")
    assert r.status_code == 401 and "あと2回" in r.text
    r = await log_in(client, "9998")
    assert "あと1回" in r.text
    r = await log_in(client, "9997")
    assert r.status_code == 423 and "ロックされています" in r.text and "窓口" in r.text
    # even the right PIN does not open a locked card
    r = await log_in(client)
    assert r.status_code == 423
    assert card.is_locked("pin")


async def test_pin_format_and_unknown_card(client: httpx.AsyncClient, card: Any) -> None:
    page = await client.get("/login")
    token = token_of(page.text)
    r = await client.post("/login", data={"csrf_token": token, "card": MOTHER, "pin": "12a4"})
    assert r.status_code == 422 and "数字4桁" in r.text
    r = await client.post("/login", data={"csrf_token": token, "card": "../../etc", "pin": "1234"})
    assert r.status_code == 422
    assert card.tries_left("pin") == 3  # neither reached the card


async def test_login_needs_the_csrf_token(client: httpx.AsyncClient, card: Any) -> None:
    await client.get("/login")
    r = await client.post("/login", data={"csrf_token": "forged", "card": MOTHER, "pin": DEMO_PIN})
    assert r.status_code == 403
    assert card.tries_left("pin") == 3


async def test_inactivity_ends_the_session_on_the_server(
    client: httpx.AsyncClient, card: Any, migrated_db: Any
) -> None:
    await log_in(client)
    assert (await client.get("/")).status_code == 200
    idle = get_settings().session_idle_minutes
    async with migrated_db.session() as session:
        await session.execute(
            sa.text("UPDATE identity_sessions SET last_seen_at = :t"),
            {"t": datetime.now(UTC) - timedelta(minutes=idle + 1)},
        )
    r = await client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login?expired=1"
    page = await client.get(r.headers["location"])
    assert "一定時間操作がなかった" in page.text


async def test_pages_need_login(client: httpx.AsyncClient) -> None:
    for path in (
        "/",
        "/assistant",
        "/applications",
        "/applications/x",
        "/access-history",
        "/birth",
        "/bundles/x",
    ):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login", path


async def test_a_part_away_is_a_polite_page(client: httpx.AsyncClient, card: Any) -> None:
    # No hub serves in this test: the palm cannot resolve the card; the page says so, no trace.
    await log_in(client)
    r = await client.get("/applications")
    assert r.status_code in (403, 503)
    assert "Traceback" not in r.text and "<h1>" in r.text


async def test_assistant_output_is_escaped(client: httpx.AsyncClient, card: Any) -> None:
    from tenohira.web.i18n import ruby

    assert str(ruby("<img src=x onerror=alert(1)>{人|ひと}")) == (
        "&lt;img src=x onerror=alert(1)&gt;<ruby>人<rt>ひと</rt></ruby>"
    )
    await log_in(client)
    page = await client.get("/assistant")
    assert page.status_code == 200 and 'name="text"' in page.text


async def test_every_form_post_needs_the_csrf_token(client: httpx.AsyncClient, card: Any) -> None:
    await log_in(client)
    for path in (
        "/logout",
        "/help",
        "/assistant",
        "/birth",
        "/bundles",
        "/bundles/B1/answers",
        "/bundles/B1/sign",
        "/applications/A1/sign",
        "/applications/A1/answers",
        "/notices/N1/dismiss",
        "/settings",
    ):
        r = await client.post(path, data={"csrf_token": "forged", "text": "x", "password": DEMO_PASSWORD})
        assert r.status_code == 403, path
    assert (await client.get("/")).status_code == 200  # still logged in: the forged logout did nothing


def test_third_party_entries_show_only_when_and_the_law() -> None:
    from tenohira.web.citizen import history_view

    entries = history_view(
        [
            {
                "at": "2026-11-26T09:00:00+00:00",
                "client": "insurer",
                "client_name": "手のひら健康保険組合",
                "provider": "municipality",
                "provider_name": "住民基本台帳",
                "service": "municipality.household",
                "purpose": "dependant",
                "legal_basis": "健康保険法",
                "third_party": True,
            },
            {"at": "2026-11-26T09:01:00+00:00", "client": "palm", "service": "municipality.basic-facts"},
            "not an entry",
        ],
        "ja",
    )
    assert len(entries) == 2
    hidden, shown = entries
    assert hidden["legal_basis"] == "健康保険法" and hidden["at"]
    assert hidden["client"] is None and hidden["provider"] is None and hidden["service"] is None
    assert hidden["purpose"] is None
    # in words, never the hub's ids
    assert (
        shown["service"] == "氏名・住所・生年月日・性別"
        and shown["client"] == "手のひら（あなたの窓口アプリ）"
    )


def test_notices_most_urgent_first_and_answers_parsed() -> None:
    from tenohira.web.citizen import _notice_view, parse_answer

    today = date(2026, 11, 26)
    views = [
        _notice_view(n, "ja", today)
        for n in (
            {
                "procedure": "child_allowance_claim",
                "deadline": "2026-12-10",
                "amount": 10000,
                "amount_period": "monthly",
            },
            {"procedure": "birth_notification", "deadline": "2026-11-28", "status": "new"},
            {"procedure": "checkup_3y", "kind": "notice"},
            {
                "procedure": "maternity_allowance",
                "deadline": "2026-11-20",
                "legal_basis": [{"ja": "健康保険法", "en": "HIA"}],
            },
        )
    ]
    views.sort(key=lambda n: (n["deadline"] is None, n["deadline"] or date.max, n["name"]))
    assert [v["procedure"] for v in views] == [
        "maternity_allowance",
        "birth_notification",
        "child_allowance_claim",
        "checkup_3y",
    ]
    assert views[0]["overdue"] and views[1]["urgent"] and not views[2]["urgent"]
    assert views[0]["legal_basis"] == "健康保険法" and views[2]["monthly"]
    assert not views[3]["doable"]  # a check-up notice is not filed
    form = {"a.bank": "手のひら銀行", "a.number": "123", "n": "1,000", "b": "true", "t": " x "}
    assert parse_answer("bank_account", form, "a") == {
        "bank": "手のひら銀行",
        "branch": "",
        "type": "",
        "number": "123",
    }
    assert parse_answer("amount", form, "n") == 1000
    assert parse_answer("boolean", form, "b") is True
    assert parse_answer("text", form, "t") == "x"
    assert parse_answer("text", form, "missing") is None


def test_names_of_procedures_and_agencies() -> None:
    from tenohira.web.pages import agency_label, procedure_label

    assert procedure_label("birth_notification", "ja") == "出生届"
    assert procedure_label("birth_notification", "en") == "Birth notification"
    assert procedure_label("no_such_procedure", "ja") == "no_such_procedure"
    assert agency_label("municipality.basic-facts", "ja") == "手のひら市役所"
    assert agency_label("somewhere", "en") != "somewhere"  # never the identifier itself


async def test_ids_from_the_browser_cannot_walk_to_other_routes(client: httpx.AsyncClient, card: Any) -> None:
    from tenohira.web.platform_api import ApiError, check_path

    await log_in(client)
    for path in (
        "/assistant?c=../../applications",
        "/assistant?c=x%3Fy",
        "/bundles/b..",
        "/applications/a..",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "ページが見つかりません" in r.text
    check_path("/api/applications/A1b2/history")
    with pytest.raises(ApiError):
        check_path("/api/assistant/conversations/../../palm/access-history")


async def test_easy_japanese_messages_keep_their_furigana(client: httpx.AsyncClient, card: Any) -> None:
    client.cookies.set("tenohira_lang", "easy_ja")
    r = await log_in(client, "9999")
    assert "<ruby>" in r.text and "&lt;ruby&gt;" not in r.text
    settings = await client.get("/settings?saved=1")
    assert "&lt;ruby&gt;" not in settings.text and "<ruby>保存<rt>ほぞん</rt></ruby>しました" in settings.text
