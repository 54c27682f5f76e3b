"""HTTP API of the assistant: understanding one utterance, and conversations with a resident.

(No ``from __future__ import annotations``: FastAPI must see the dependency aliases.)
"""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from tenohira.assistant import service
from tenohira.assistant.nlu import configured_model, understand
from tenohira.assistant.schemas import (
    ConversationOut,
    MessageIn,
    ReplyOut,
    StartIn,
    StartOut,
    UnderstandRequest,
    UnderstandResponse,
)
from tenohira.core.db import session_dependency
from tenohira.identity import Principal, current_principal

router = APIRouter(prefix="/api/assistant", tags=["assistant"])

Session = Annotated[AsyncSession, Depends(session_dependency)]
Me = Annotated[Principal, Depends(current_principal)]
MAX_BODY = 64 * 1024  # a message is at most 1000 characters; the rest is refused politely unread


@router.post("/understand", response_model=UnderstandResponse)
async def understand_endpoint(request: UnderstandRequest) -> UnderstandResponse:
    """Intent, language and slots of ``text``. Over 1000 characters is a 422 problem+json."""
    # CPU work (and, once per process, training): keep it off the event loop
    result = await run_in_threadpool(
        lambda: understand(request.text, today=request.today, llm=configured_model())
    )
    return UnderstandResponse(**result.as_dict())


@router.post("/conversations", response_model=StartOut, status_code=201, summary="Start a conversation")
async def start(session: Session, me: Me, body: StartIn | None = None) -> dict[str, Any]:
    """A new conversation of the logged-in resident, with the assistant's greeting.

    ``language`` (ja, en, easy_ja) fixes the language; without it the first message decides.
    """
    conversation, reply = await service.start_conversation(
        session, me, language=body.language if body else None
    )
    return {"id": conversation.id, "language": conversation.language, "reply": reply}


@router.post("/conversations/{conversation_id}/messages", response_model=ReplyOut, summary="Send a message")
async def send(conversation_id: str, request: Request, session: Session, me: Me) -> dict[str, Any]:
    """Send ``{"text": ...}``; the reply has text, suggested answers (buttons) and the form being filled.

    Bad input (empty, too long, binary, markup, a body that is not JSON) gets a polite reply,
    never an error page, and is never echoed or stored as received.
    """
    raw = await request.body()
    text: object = None
    if len(raw) <= MAX_BODY:
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if isinstance(parsed, dict):
            text = MessageIn.text_of(parsed)
    else:
        text = "x" * (MAX_BODY + 1)  # refused as too long, unread
    return await service.send_message(session, me, conversation_id, text)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut, summary="A conversation")
async def read(conversation_id: str, session: Session, me: Me) -> dict[str, Any]:
    """The conversation with every message (the resident's own only; anyone else's is 404)."""
    conversation = await service.get_conversation(session, me, conversation_id)
    return service.conversation_json(conversation, await service.transcript_of(session, conversation))
