"""The assistant: understanding Japanese, easy Japanese and English, and the dialogue.

Public face — understanding::

    from tenohira.assistant import understand
    u = understand("昨日子どもが生まれました", today=date(2026, 11, 26))
    u.intent     # "birth" | "move" | "death" | "company_founding" | a catalogue procedure id
                 # | "status" | "human_help" | "affirm" | "deny" | "other"
    u.language   # "ja" | "easy_ja" | "en"
    u.slots      # {"date": "2026-11-25", "name": ..., "name_kana": ..., "correction": {...}, ...}

The dialogue is served at ``/api/assistant/conversations`` (see docs/assistant.md). For the
supporters, :func:`conversation_messages` reads a conversation a help request points to
(``source = "assistant:<conversation id>"``), including what was said after the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

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

# understanding loads its classifier (scikit-learn, about a second) when first used, not when
# any module of the assistant (its command line, its models) is imported
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        name: "tenohira.assistant.nlu"
        for name in (
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
        )
    },
)


async def conversation_messages(session: AsyncSession, conversation_id: str) -> list[dict[str, Any]] | None:
    """Every message of a conversation (role, text, text_plain, at…), or None if there is none.

    For the digital supporters handling a help request: no owner check here — the caller is
    the supporters module acting on a request that names this conversation.
    """
    from tenohira.assistant.models import Conversation
    from tenohira.assistant.service import transcript_of

    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    return await transcript_of(session, conversation)


__all__ = [
    "Language",
    "LanguageModel",
    "OpenAICompatibleModel",
    "Proposal",
    "Understanding",
    "configured_model",
    "conversation_messages",
    "detect_language",
    "extract_slots",
    "find_dates",
    "invalid_name_characters",
    "to_era",
    "understand",
]
