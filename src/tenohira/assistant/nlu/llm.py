"""The optional LLM backend: any OpenAI-compatible chat endpoint, off by default.

It only *proposes* an intent and fields as JSON. The proposal is validated against a JSON
Schema (known intents only, typed fields, nothing else) and the same checks as the rules
(ISO dates, kanji permitted for names, readings in kana); anything invalid is dropped and
the local understanding stands. The LLM never decides eligibility or amounts.
Configure with TENOHIRA_LLM_URL (base URL such as http://host:8080/v1, or the full
…/chat/completions URL) and TENOHIRA_LLM_MODEL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

import httpx
import jsonschema
import structlog

from tenohira.assistant.nlu.names import is_valid_reading
from tenohira.assistant.nlu.text import katakana
from tenohira.core.config import get_settings
from tenohira.core.names import invalid_name_characters
from tenohira.procedures import load_catalogue

log = structlog.get_logger("tenohira.assistant.llm")

GENERAL = ("birth", "move", "death", "company_founding", "status", "human_help", "affirm", "deny", "other")


@lru_cache(maxsize=1)
def known_intents() -> tuple[str, ...]:
    """Every intent the platform understands: life events, catalogue procedure ids, general ones."""
    return GENERAL + tuple(load_catalogue().ids())


@lru_cache(maxsize=1)
def proposal_schema() -> dict[str, Any]:
    """The JSON Schema an LLM proposal must satisfy."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["intent"],
        "properties": {
            "intent": {"enum": list(known_intents())},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "slots": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                    "name": {"type": "string", "maxLength": 20},
                    "name_kana": {"type": "string", "maxLength": 40},
                    "count": {"type": "integer", "minimum": 0, "maximum": 20},
                    "weight_g": {"type": "integer", "minimum": 200, "maximum": 7000},
                    "procedure": {"enum": list(load_catalogue().ids())},
                },
            },
        },
    }


@dataclass(frozen=True)
class Proposal:
    """A validated proposal: a known intent and checked slots."""

    intent: str
    slots: dict[str, Any]
    confidence: float


class LanguageModel(Protocol):
    """Anything that can propose an understanding of an utterance (or None when it cannot)."""

    def propose(self, text: str, *, today: date) -> Proposal | None: ...


def check_slots(slots: dict[str, Any]) -> dict[str, Any]:
    """Keep only slots that pass the same checks as the rules' own (and add the name check)."""
    checked: dict[str, Any] = {}
    if isinstance(slots.get("date"), str):
        try:
            checked["date"] = date.fromisoformat(slots["date"]).isoformat()
        except ValueError:
            pass
    name = slots.get("name")
    if isinstance(name, str) and name:
        bad = invalid_name_characters(name)
        checked["name"] = name
        checked["name_permitted"] = not bad
        if bad:
            checked["name_invalid_characters"] = bad
    kana = slots.get("name_kana")
    if isinstance(kana, str) and is_valid_reading(kana):
        checked["name_kana"] = katakana(kana)
    for key in ("count", "weight_g", "procedure"):
        if key in slots:
            checked[key] = slots[key]
    return checked


def parse_proposal(content: str) -> Proposal | None:
    """The proposal in an LLM's reply text, or None if it is not valid JSON of the schema."""
    text = content.strip()
    if text.startswith("```"):  # models like to fence JSON
        text = text.strip("`")
        text = text[text.find("{") :]
    try:
        data = json.loads(text)
        jsonschema.validate(data, proposal_schema())
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        log.warning("llm proposal rejected", reason=str(exc)[:200])
        return None
    return Proposal(data["intent"], check_slots(data.get("slots", {})), float(data.get("confidence", 0.7)))


SYSTEM_PROMPT = (
    "You classify one message a resident wrote to a Japanese municipal assistant. "
    "Answer with JSON only, no prose, matching this JSON Schema:\n{schema}\n"
    "Intents: birth, move, death, company_founding (life events); a procedure id when the "
    "message asks for that procedure; status (asks about an application); human_help; "
    "affirm; deny; other. Dates as YYYY-MM-DD; today is {today}."
)


class OpenAICompatibleModel:
    """An OpenAI-compatible ``/chat/completions`` endpoint (llama.cpp, vLLM, Ollama, …)."""

    def __init__(self, url: str, *, model: str, timeout: float = 10.0, api_key: str | None = None) -> None:
        url = url.rstrip("/")
        self.endpoint = url if url.endswith("/chat/completions") else url + "/chat/completions"
        self.model = model
        self.timeout = timeout
        self.api_key = api_key

    def propose(self, text: str, *, today: date) -> Proposal | None:
        """Ask the endpoint; None on any transport or format failure (the rules stand)."""
        payload = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {
                    "role": "system",
                    "content": SYSTEM_PROMPT.format(
                        schema=json.dumps(proposal_schema(), ensure_ascii=False), today=today.isoformat()
                    ),
                },
                {"role": "user", "content": text},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(self.endpoint, json=payload, headers=headers, timeout=self.timeout)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            log.warning("llm unavailable", endpoint=self.endpoint, error=str(exc)[:200])
            return None
        return parse_proposal(content) if isinstance(content, str) else None


def configured_model() -> LanguageModel | None:
    """The LLM from settings (TENOHIRA_LLM_URL), or None: the default is no LLM at all."""

    settings = get_settings()
    if not settings.llm_url:
        return None
    return OpenAICompatibleModel(settings.llm_url, model=settings.llm_model)
