"""The supporter console, the staff console and the resident's delegation page, without a browser:
roles (404 for the others), CSRF on every form, escaping, and the shorter inactivity logout.

The platform runs as an ASGI app with no hub serving: the palm's card → code cache is filled in
directly, and the municipality's protection answer is given by replacing the hub call.
"""

import base64
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tenohira.app import create_app
from tenohira.core import get_settings
from tenohira.identity import BasicFacts, CardSimulator, ensure_ca, issue_card
from tenohira.palm.models import CardLink, Person
from tenohira.supporters import request_help
from tenohira.supporters import staff as staff_hub
from tenohira.supporters.delegations import register_role
from tenohira.web import supporters_pages

PIN = "1234"


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def person(db: Any, tmp: Path, name: str, code: str) -> tuple[httpx.AsyncClient, str]:
    """A card, the palm's code for it, and a logged-in browser (session cookie)."""
    ensure_ca(get_settings())
    facts = BasicFacts(
        name=name, name_kana="てすと", address="手のひら市本町1-1", birth_date=date(1980, 1, 1), sex="female"
    )
    async with db.session() as s:
        issued = await issue_card(
            s, holder_ref=code, facts=facts, pin=PIN, password="TENOHIRA26", out_dir=tmp / code
        )
    async with db.session() as s:
        s.add(Person(code=code, language="ja", email=None, created_at=datetime.now(UTC)))
        await s.flush()
        s.add(CardLink(card_serial=issued.auth_serial, code=code, resolved_at=datetime.now(UTC)))
    card = CardSimulator.open(tmp / code)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(background=False)), base_url="http://test"
    )
    challenge = (await http.post("/api/auth/challenge")).json()["challenge"]
    r = await http.post(
        "/api/auth/login",
        json={
            "challenge": challenge,
            "signature": base64.b64encode(card.authenticate(PIN, base64.b64decode(challenge))).decode(),
            "certificate": card.auth_certificate_pem().decode(),
            "session": "cookie",
        },
    )
    assert r.status_code == 200, r.text
    return http, issued.auth_serial


@pytest.fixture
async def people(migrated_db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    resident, _ = await person(migrated_db, tmp_path, "住民 太郎", "PALM-R")
    helper, helper_card = await person(migrated_db, tmp_path, "支援 花子", "PALM-S")
    clerk, clerk_card = await person(migrated_db, tmp_path, "職員 次郎", "PALM-T")
    async with migrated_db.session() as s:
        sup = await register_role(
            s, role="supporter", display_name="支援 花子", registered_by="t", card_serial=helper_card
        )
        await register_role(
            s, role="staff", display_name="職員 次郎", registered_by="t", card_serial=clerk_card
        )
    protected = {"value": False}

    async def protection(code: str, client: Any = None) -> bool:
        return protected["value"]

    monkeypatch.setattr(staff_hub, "protection_via_hub", protection)
    return {
        "db": migrated_db,
        "resident": resident,
        "helper": helper,
        "clerk": clerk,
        "sup": sup.id,
        "protected": protected,
    }


async def test_roles_and_404s(people: dict[str, Any]) -> None:
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(background=False)), base_url="http://t"
    )
    for path in ("/supporter", "/staff", "/delegations"):
        r = await anonymous.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    for path in ("/supporter", "/staff", "/staff/review/MA1", "/supporter/delegations/D1"):
        assert (await people["resident"].get(path)).status_code == 404
    assert (await people["helper"].get("/staff")).status_code == 404
    assert (await people["clerk"].get("/supporter")).status_code == 404
    missing = await people["helper"].get("/supporter/delegations/DNOPE")
    assert missing.status_code == 404
    # not allowed and not there look the same: one 404 page, nothing about what was asked for
    forbidden = await people["resident"].get("/staff")
    assert forbidden.headers["content-type"].startswith("text/html")
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(forbidden.text).group(0) == main.search(missing.text).group(0)  # type: ignore[union-attr]


async def test_delegation_page_grants_and_revokes_with_csrf(people: dict[str, Any]) -> None:
    http = people["resident"]
    page = await http.get("/delegations")
    assert (
        page.status_code == 200 and "支援 花子" in page.text and page.headers["cache-control"] == "no-store"
    )
    form = {
        "supporter": people["sup"],
        "procedure": "child_allowance_claim",
        "mode": "read",
        "expires": "2099-01-01",
    }
    assert (await http.post("/delegations", data=form)).status_code == 403  # no CSRF token
    r = await http.post("/delegations", data={**form, "csrf_token": token_of(page.text)})
    assert r.status_code == 422  # more than a year ahead: refused with the field's message
    assert "1年以内" in r.text
    soon = datetime.now(UTC).date().replace(day=1).isoformat()
    r = await http.post(
        "/delegations", data={**form, "expires": "2000-01-01", "csrf_token": token_of(page.text)}
    )
    assert r.status_code == 422 and soon
    # a month ahead in Japan's calendar (the form's): UTC's date is yesterday there until 09:00
    ok = {**form, "expires": (datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=30)).isoformat()}
    r = await http.post("/delegations", data={**ok, "csrf_token": token_of(page.text)})
    assert r.status_code == 303, r.text
    page = await http.get("/delegations?done=granted")
    assert "委任しました" in page.text and "有効" in page.text
    delegation = re.search(r'action="/delegations/(D[0-9A-F]+)/revoke"', page.text)
    assert delegation
    # the supporter sees the resident's applications for that procedure
    r = await people["helper"].get(f"/supporter/delegations/{delegation.group(1)}")
    assert r.status_code == 200 and 'data-idle-minutes="5"' in r.text
    people["protected"]["value"] = True  # 支援措置: suspended
    assert (await people["helper"].get(f"/supporter/delegations/{delegation.group(1)}")).status_code == 404
    people["protected"]["value"] = False
    r = await http.post(
        f"/delegations/{delegation.group(1)}/revoke", data={"csrf_token": token_of(page.text)}
    )
    assert r.status_code == 303
    assert (await people["helper"].get(f"/supporter/delegations/{delegation.group(1)}")).status_code == 404
    # what the supporter did is on the resident's page, by name
    page = await http.get("/delegations")
    assert "デジタル支援者 支援 花子" in page.text and "委任された申請を閲覧" in page.text
    assert "viewed-applications" not in page.text  # what they did, in words


async def test_help_queue_escapes_and_takes(people: dict[str, Any]) -> None:
    async with people["db"].session() as s:
        await request_help(
            s, "PALM-R", "assistant:c1", [{"role": "user", "text": "<script>alert(1)</script>人と話したい"}]
        )
    page = await people["helper"].get("/supporter")
    assert page.status_code == 200 and "<script>alert" not in page.text
    assert "人と話したい" not in page.text  # the conversation shows only once taken
    help_id = re.search(r'action="/supporter/help/(H[0-9A-F]+)/take"', page.text)
    assert help_id
    r = await people["helper"].post(
        f"/supporter/help/{help_id.group(1)}/take", data={"csrf_token": token_of(page.text)}
    )
    assert r.status_code == 303
    page = await people["helper"].get("/supporter")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;人と話したい" in page.text
    # taken: nobody else can take it
    other = await people["helper"].post(
        f"/supporter/help/{help_id.group(1)}/nonsense", data={"csrf_token": token_of(page.text)}
    )
    assert other.status_code == 404


async def test_staff_opens_a_counter_help_request(people: dict[str, Any], migrated_db: Any) -> None:
    page = await people["clerk"].get("/staff")
    assert page.status_code == 200 and 'data-idle-minutes="5"' in page.text
    # the review queue needs the hub: the page says it is unavailable instead of failing
    assert 'role="alert"' in page.text
    async with migrated_db.session() as s:
        serial = await _serial_of(s, "PALM-R")
    r = await people["clerk"].post(
        "/staff/help", data={"csrf_token": token_of(page.text), "card_serial": serial, "note": "窓口で相談"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/staff?done=opened"
    queue = await people["helper"].get("/supporter")
    assert "窓口で" in queue.text  # where the request came from, in words
    r = await people["clerk"].post(
        "/staff/help", data={"csrf_token": token_of(page.text), "card_serial": "FFFF"}
    )
    assert r.status_code == 404


async def _serial_of(s: Any, code: str) -> str:
    import sqlalchemy as sa

    return str(await s.scalar(sa.select(CardLink.card_serial).where(CardLink.code == code)))


async def test_console_logs_out_after_the_short_inactivity(people: dict[str, Any]) -> None:
    http = people["helper"]
    assert (await http.get("/supporter")).status_code == 200
    cookie = http.cookies.get(supporters_pages.CONSOLE_COOKIE)
    assert cookie
    # a stamp from longer ago than supporter_idle_minutes ends the session
    import sqlalchemy as sa

    from tenohira.core.db import get_database
    from tenohira.identity.models import LoginSession

    async with get_database().session() as s:
        session_id = await s.scalar(sa.select(LoginSession.id).where(LoginSession.holder_ref == "PALM-S"))
    assert session_id
    old = int(time.time()) - get_settings().supporter_idle_minutes * 60 - 5
    http.cookies.set(supporters_pages.CONSOLE_COOKIE, supporters_pages._stamp(session_id, old))
    r = await http.get("/supporter")
    assert r.status_code == 303 and r.headers["location"] == "/login?expired=1"
    again = await http.get("/supporter")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


async def test_help_has_a_reference_and_the_supporter_replies_to_the_inbox(people: dict[str, Any]) -> None:
    home = await people["resident"].get("/settings")
    sent = await people["resident"].post("/help", data={"csrf_token": token_of(home.text), "page": "/birth"})
    assert sent.status_code == 200
    reference = re.search(r"<strong>(H-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})</strong>", sent.text)
    assert reference, sent.text
    console = await people["helper"].get("/supporter")
    assert reference.group(1) in console.text  # the same number on both sides
    help_id = re.search(r'action="/supporter/help/(H[0-9A-F]+)/take"', console.text)
    assert help_id
    token = token_of(console.text)
    await people["helper"].post(f"/supporter/help/{help_id.group(1)}/take", data={"csrf_token": token})
    console = await people["helper"].get("/supporter")
    assert "連絡はアプリのお知らせ箱へ" in console.text  # how to reach the resident (no email given)
    empty = await people["helper"].post(
        f"/supporter/help/{help_id.group(1)}/reply", data={"csrf_token": token}
    )
    assert empty.status_code == 422 and "返信の内容を入力してください" in empty.text
    r = await people["helper"].post(
        f"/supporter/help/{help_id.group(1)}/reply",
        data={"csrf_token": token, "text": "明日10時にお電話します"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/supporter?replied=1"
    inbox = await people["resident"].get("/inbox")
    assert inbox.status_code == 200
    assert "明日10時にお電話します" in inbox.text and reference.group(1) in inbox.text
    history = await people["resident"].get("/delegations")  # what supporters did, in words
    assert "ご相談に返信" in history.text and "help-replied" not in history.text


async def test_staff_unlocks_a_card_at_the_counter(
    people: dict[str, Any], migrated_db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from tenohira.audit.models import AuditEntry
    from tenohira.identity import CardLocked, WrongSecret
    from tenohira.web import staff_pages
    from tenohira.web.demo_cards import DemoCard

    card_dir = tmp_path / "PALM-R"  # the resident's card, on the counter's reader
    card = CardSimulator.open(card_dir)
    for _ in range(5):
        with pytest.raises((WrongSecret, CardLocked)):
            card.sign("WRONG123", b"x")
    with pytest.raises(CardLocked):
        card.sign("TENOHIRA26", b"x")
    reader = [DemoCard("R1", card_dir, "住民 太郎", "じゅうみん たろう", "", "", True)]
    monkeypatch.setattr(staff_pages, "list_cards", lambda settings: reader)
    async with migrated_db.session() as s:
        serial = await _serial_of(s, "PALM-R")
    page = await people["clerk"].get("/staff")
    assert 'action="/staff/unlock"' in page.text
    r = await people["clerk"].post(
        "/staff/unlock", data={"csrf_token": token_of(page.text), "card_serial": serial, "secret": "password"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/staff?done=unlocked"
    assert CardSimulator.open(card_dir).sign("TENOHIRA26", b"x")  # works again
    async with migrated_db.session() as s:
        logged = await s.scalar(sa.select(AuditEntry).where(AuditEntry.type == "card:unlock"))
    assert logged is not None and logged.subject == serial.upper() and logged.actor.startswith("staff:")
    history = await people["resident"].get("/delegations")
    assert "窓口でカードのロックを解除" in history.text and "card-unlocked" not in history.text
    # a card that is not on the reader: the same 404 as anything else
    r = await people["clerk"].post(
        "/staff/unlock", data={"csrf_token": token_of(page.text), "card_serial": "FFFF", "secret": "pin"}
    )
    assert r.status_code == 404
