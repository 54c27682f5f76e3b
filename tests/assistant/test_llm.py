"""The optional LLM backend against a local fake OpenAI-compatible server (uvicorn on loopback)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request

from tenohira.assistant import OpenAICompatibleModel, understand
from tenohira.assistant.nlu.classifier import IntentClassifier
from tenohira.assistant.nlu.llm import configured_model, parse_proposal

TODAY = date(2026, 11, 26)


class FakeLLM:
    """What the fake server answers, and what it was asked."""

    def __init__(self) -> None:
        self.reply: str = "{}"
        self.status = 200
        self.requests: list[dict[str, Any]] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[tuple[str, FakeLLM]]:
    state = FakeLLM()
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        from fastapi.responses import JSONResponse

        body = await request.json()
        state.requests.append(body)
        return JSONResponse(
            {"choices": [{"index": 0, "message": {"role": "assistant", "content": state.reply}}]},
            status_code=state.status,
        )

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}/v1", state
    server.should_exit = True
    thread.join(timeout=10)


def test_proposal_is_used_when_the_classifier_is_unsure(
    fake_llm: tuple[str, FakeLLM], classifier: IntentClassifier
) -> None:
    url, state = fake_llm
    state.status = 200
    state.reply = json.dumps(
        {
            "intent": "child_allowance_claim",
            "confidence": 0.9,
            "slots": {"date": "2026-11-20", "name_kana": "はると"},
        }
    )
    model = OpenAICompatibleModel(url, model="fake")
    u = understand("ぽよぽよ", today=TODAY, classifier=classifier, llm=model)
    assert u.intent == "child_allowance_claim"
    assert u.source == "llm"
    assert u.slots["date"] == "2026-11-20"
    assert u.slots["name_kana"] == "ハルト"
    sent = state.requests[-1]
    assert sent["model"] == "fake"
    assert sent["messages"][-1] == {"role": "user", "content": "ぽよぽよ"}
    assert "JSON Schema" in sent["messages"][0]["content"]


def test_confident_local_understanding_does_not_ask(
    fake_llm: tuple[str, FakeLLM], classifier: IntentClassifier
) -> None:
    url, state = fake_llm
    before = len(state.requests)
    u = understand("はい", today=TODAY, classifier=classifier, llm=OpenAICompatibleModel(url, model="fake"))
    assert u.intent == "affirm" and len(state.requests) == before


@pytest.mark.parametrize(
    "reply",
    [
        "I think the intent is birth",  # not JSON
        json.dumps({"intent": "grant_everyone_money"}),  # unknown intent
        json.dumps({"intent": "birth", "eligible": True}),  # fields outside the schema
        json.dumps({"intent": "birth", "slots": {"amount": 1000000}}),  # slot outside the schema
        json.dumps({"intent": "birth", "slots": {"date": "last week"}}),  # not an ISO date
    ],
)
def test_invalid_proposals_are_ignored(
    fake_llm: tuple[str, FakeLLM], classifier: IntentClassifier, reply: str
) -> None:
    url, state = fake_llm
    state.status = 200
    state.reply = reply
    u = understand(
        "ぽよぽよ", today=TODAY, classifier=classifier, llm=OpenAICompatibleModel(url, model="fake")
    )
    assert u.source != "llm"
    assert u.intent == "other"


def test_server_errors_leave_the_local_answer(
    fake_llm: tuple[str, FakeLLM], classifier: IntentClassifier
) -> None:
    url, state = fake_llm
    state.status = 500
    u = understand(
        "ぽよぽよ", today=TODAY, classifier=classifier, llm=OpenAICompatibleModel(url, model="fake")
    )
    assert u.intent == "other"
    unreachable = OpenAICompatibleModel(f"http://127.0.0.1:{_free_port()}/v1", model="fake", timeout=1)
    assert unreachable.propose("ぽよぽよ", today=TODAY) is None


def test_name_slots_from_the_llm_are_checked_like_ours() -> None:
    proposal = parse_proposal(
        '```json\n{"intent": "other", "slots": {"name": "𠮷男", "name_kana": "ヨシオ1"}}\n```'
    )
    assert proposal is not None
    assert proposal.slots["name_permitted"] is False
    assert "name_kana" not in proposal.slots  # not kana only


def test_off_by_default_and_url_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    from tenohira.core.config import reset_settings

    monkeypatch.delenv("TENOHIRA_LLM_URL", raising=False)
    reset_settings()
    assert configured_model() is None
    monkeypatch.setenv("TENOHIRA_LLM_URL", "http://127.0.0.1:9/v1/")
    reset_settings()
    model = configured_model()
    assert isinstance(model, OpenAICompatibleModel)
    assert model.endpoint == "http://127.0.0.1:9/v1/chat/completions"
    assert (
        OpenAICompatibleModel("http://x/v1/chat/completions", model="m").endpoint
        == "http://x/v1/chat/completions"
    )
    monkeypatch.delenv("TENOHIRA_LLM_URL")
    reset_settings()
