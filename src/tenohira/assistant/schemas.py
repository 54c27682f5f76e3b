"""What the assistant's API takes and returns."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field


class UnderstandRequest(BaseModel):
    """One utterance to understand."""

    text: str = Field(max_length=1000, description="what the resident wrote")
    today: date | None = Field(default=None, description="anchor for relative dates (default: today)")


class UnderstandResponse(BaseModel):
    """The understanding: intent, language and slots (the CLI's JSON)."""

    intent: str
    language: Literal["ja", "easy_ja", "en"]
    slots: dict[str, Any]


class StartIn(BaseModel):
    """Starting a conversation: the language, if the resident chose one."""

    language: Literal["ja", "en", "easy_ja"] | None = None


class MessageIn(BaseModel):
    """A message of the resident (read leniently: bad input is answered, not rejected)."""

    text: str

    @staticmethod
    def text_of(body: dict[str, Any]) -> object:
        """The ``text`` member as sent (anything not a string is refused politely later)."""
        return body.get("text")


class SuggestionOut(BaseModel):
    """A button: what it shows and what it sends."""

    label: str
    value: str


class ReplyOut(BaseModel):
    """The assistant's reply."""

    text: str = Field(description="the reply; in easy Japanese with {漢字|かんじ} reading marks")
    text_plain: str = Field(description="the reply without reading marks")
    language: Literal["ja", "en", "easy_ja"]
    suggestions: list[SuggestionOut]
    form: dict[str, Any] | None = Field(default=None, description="the form being filled, if any")
    help_request: str | None = Field(default=None, description="the help request opened for a person")
    refused: str | None = Field(default=None, description="why the message was refused, if it was")


class StartOut(BaseModel):
    """A new conversation and the greeting."""

    id: str
    language: Literal["ja", "en", "easy_ja"]
    reply: ReplyOut


class MessageOut(BaseModel):
    """One message of a conversation."""

    seq: int
    role: Literal["resident", "assistant"]
    text: str
    text_plain: str
    intent: str | None = None
    suggestions: list[SuggestionOut] = Field(default_factory=list)
    form: dict[str, Any] | None = None
    at: str


class ConversationOut(BaseModel):
    """A conversation: where it is, what was prepared, and every message."""

    id: str
    language: Literal["ja", "en", "easy_ja"]
    stage: str | None
    event: str | None
    event_date: str | None
    help_request: str | None
    prepared: list[dict[str, Any]]
    suggestions: list[SuggestionOut]
    form: dict[str, Any] | None
    created_at: str
    updated_at: str
    messages: list[MessageOut]
