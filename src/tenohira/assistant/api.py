"""HTTP API of the assistant: understanding one utterance (the dialogue comes later)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from tenohira.assistant.nlu import configured_model, understand
from tenohira.assistant.schemas import UnderstandRequest, UnderstandResponse

router = APIRouter(prefix="/api/assistant", tags=["assistant"])


@router.post("/understand", response_model=UnderstandResponse)
async def understand_endpoint(request: UnderstandRequest) -> UnderstandResponse:
    """Intent, language and slots of ``text``. Over 1000 characters is a 422 problem+json."""
    # CPU work (and, once per process, training): keep it off the event loop
    result = await run_in_threadpool(
        lambda: understand(request.text, today=request.today, llm=configured_model())
    )
    return UnderstandResponse(**result.as_dict())
