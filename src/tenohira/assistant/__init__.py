"""The assistant: understanding Japanese, easy Japanese and English, and the dialogue.

Public face (understanding; the dialogue comes later)::

    from tenohira.assistant import understand
    u = understand("昨日子どもが生まれました", today=date(2026, 11, 26))
    u.intent     # "birth" | "move" | "death" | "company_founding" | a catalogue procedure id
                 # | "status" | "human_help" | "affirm" | "deny" | "other"
    u.language   # "ja" | "easy_ja" | "en"
    u.slots      # {"date": "2026-11-25", "name": ..., "name_kana": ..., "correction": {...}, ...}
"""

from tenohira.assistant.nlu import (
    Language,
    LanguageModel,
    OpenAICompatibleModel,
    Proposal,
    Understanding,
    configured_model,
    detect_language,
    extract_slots,
    find_dates,
    invalid_name_characters,
    to_era,
    understand,
)

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
