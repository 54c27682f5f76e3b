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
