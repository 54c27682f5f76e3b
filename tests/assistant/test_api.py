"""POST /api/assistant/understand."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tenohira.assistant.api import router
from tenohira.core.problems import install_problem_handlers


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_understand(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/assistant/understand", json={"text": "昨日子どもが生まれました", "today": "2026-11-26"}
    )
    assert r.status_code == 200
    assert r.json() == {"intent": "birth", "language": "ja", "slots": {"date": "2026-11-25"}}


async def test_empty_and_markup_are_answered_not_echoed(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/assistant/understand", json={"text": ""})
    assert r.status_code == 200 and r.json()["intent"] == "other"
    r = await client.post("/api/assistant/understand", json={"text": "<script>alert(1)</script>"})
    assert r.status_code == 200
    assert "<script>" not in r.text


async def test_too_long_is_a_problem(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/assistant/understand", json={"text": "あ" * 1001})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "text"
    assert r.json()["errors"][0]["message_ja"]
