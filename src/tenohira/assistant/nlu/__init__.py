"""Natural-language understanding of the assistant (offline; an LLM only if configured)."""

from tenohira.assistant.nlu.dates import find_dates, to_era
from tenohira.assistant.nlu.llm import LanguageModel, OpenAICompatibleModel, Proposal, configured_model
from tenohira.assistant.nlu.text import Language, detect_language
from tenohira.assistant.nlu.understand import Understanding, extract_slots, understand
from tenohira.core.names import invalid_name_characters

__all__ = [
    "Language",
    "LanguageModel",
    "OpenAICompatibleModel",
    "Proposal",
    "Understanding",
    "configured_model",
    "detect_language",
    "extract_slots",
    "find_dates",
    "invalid_name_characters",
    "to_era",
    "understand",
]
