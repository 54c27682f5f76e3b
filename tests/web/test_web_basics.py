"""Headers, CSRF, settings, PWA files: the ground every page of the web app stands on."""

from typing import Any

import httpx
import pytest

from tenohira.app import create_app
from tenohira.web.i18n import format_date, ruby, translate


@pytest.fixture
async def client(migrated_db: Any) -> httpx.AsyncClient:
    app = create_app(background=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_security_headers_on_pages_and_api(client: httpx.AsyncClient) -> None:
    for path in ("/settings", "/healthz"):
        r = await client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in r.headers  # plain HTTP: no HSTS
    page = await client.get("/settings")
    assert page.headers["cache-control"] == "no-store"


async def test_hsts_only_over_tls(client: httpx.AsyncClient) -> None:
    r = await client.get("/settings", headers={"x-forwarded-proto": "https"})
    assert "max-age" in r.headers["strict-transport-security"]


async def test_settings_need_a_csrf_token(client: httpx.AsyncClient) -> None:
    r = await client.post("/settings", data={"lang": "en", "csrf_token": "forged"})
    assert r.status_code == 403
    assert r.json()["type"] == "urn:tenohira:problem:csrf"
    page = await client.get("/settings")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = await client.post("/settings", data={"lang": "easy_ja", "size": "large", "csrf_token": token})
    assert r.status_code == 303
    assert client.cookies.get("tenohira_lang") == "easy_ja"
    again = await client.get("/settings")
    assert '<html lang="ja" class="size-large">' in again.text
    assert "<ruby>" in again.text  # easy Japanese carries furigana


async def test_manifest_and_service_worker(client: httpx.AsyncClient) -> None:
    m = (await client.get("/manifest.webmanifest")).json()
    assert m["start_url"] == "/" and m["display"] == "standalone" and m["icons"]
    sw = await client.get("/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/static/../routes.py")).status_code == 404


def test_ruby_escapes_everything_else() -> None:
    assert str(ruby("{漢字|かんじ}<b>")) == "<ruby>漢字<rt>かんじ</rt></ruby>&lt;b&gt;"
    assert "<script>" not in str(translate("login_refused", "ja", reason="<script>"))


def test_dates_in_the_japanese_era() -> None:
    from datetime import date

    assert format_date(date(2026, 11, 26), "ja") == "令和8年（2026年）11月26日（木）"
    assert format_date(date(2019, 5, 1), "ja").startswith("令和元年")
    assert format_date(date(2019, 4, 30), "ja").startswith("平成31年")
    assert format_date(date(2026, 11, 26), "en") == "Thu 26 November 2026"
