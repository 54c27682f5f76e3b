"""HTTP API of push notices (``/api/notices``) and the hub's event intake (``/api/palm/events``).

(No ``from __future__ import annotations``: FastAPI must see the dependency aliases.)
"""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.db import session_dependency
from tenohira.core.problems import Problem
from tenohira.identity import Principal, current_principal
from tenohira.palm.people import code_of
from tenohira.palm.push import service as svc
from tenohira.palm.push import subscribers as _subscribers  # noqa: F401  (registers the push subscriber)
from tenohira.palm.push.intake import router as intake_router
from tenohira.palm.push.models import Notice
from tenohira.procedures import UnknownProcedure, load_catalogue

router = APIRouter(prefix="/api/notices", tags=["notices"])
Session = Annotated[AsyncSession, Depends(session_dependency)]
Me = Annotated[Principal, Depends(current_principal)]


class NoticeOut(BaseModel):
    id: str
    procedure: str
    procedure_name: str
    procedure_name_en: str
    kind: str
    life_event: str
    deadline: date | None
    amount: int | None
    amount_period: str | None
    explanation: dict[str, str]
    legal_basis: list[dict[str, Any]]
    status: str = Field(description="new | dismissed | filed (closed when the procedure was filed)")
    created_at: datetime
    application_id: str | None = Field(default=None, description="the application that filed it")
    filed_at: datetime | None = None


class NoticeList(BaseModel):
    notices: list[NoticeOut]


def _out(n: Notice) -> NoticeOut:
    try:
        names = load_catalogue().get(n.procedure_id).names
        ja, en = names.ja, names.en
    except UnknownProcedure:
        ja = en = n.procedure_id
    return NoticeOut(
        id=n.id,
        procedure=n.procedure_id,
        procedure_name=ja,
        procedure_name_en=en,
        kind=n.kind,
        life_event=n.life_event,
        deadline=n.deadline,
        amount=n.amount,
        amount_period=n.amount_period,
        explanation={"ja": n.explanation_ja, "en": n.explanation_en},
        legal_basis=list(n.legal_basis or []),
        status=n.status,
        created_at=n.created_at,
        application_id=n.application_id,
        filed_at=n.filed_at,
    )


def _not_found() -> Problem:
    return Problem(
        status=404,
        slug="notice-not-found",
        title="No such notice",
        title_ja="お知らせが見つかりません",
    )


@router.get("", response_model=NoticeList, summary="My notices, most urgent first")
async def list_notices(
    session: Session,
    me: Me,
    include_dismissed: Annotated[
        bool, Query(description="also the closed ones (dismissed, or filed through the palm)")
    ] = False,
) -> NoticeList:
    code = await code_of(session, me)
    notices = await svc.notices_of(session, code, include_dismissed=include_dismissed)
    return NoticeList(notices=[_out(n) for n in notices])


@router.get("/{notice_id}", response_model=NoticeOut, summary="One of my notices")
async def get_notice(notice_id: str, session: Session, me: Me) -> NoticeOut:
    code = await code_of(session, me)
    notice = await svc.notice_of(session, code, notice_id)
    if notice is None:
        raise _not_found()
    return _out(notice)


@router.post("/{notice_id}/dismiss", response_model=NoticeOut, summary="Dismiss one of my notices")
async def dismiss_notice(notice_id: str, session: Session, me: Me) -> NoticeOut:
    code = await code_of(session, me)
    notice = await svc.notice_of(session, code, notice_id)
    if notice is None:
        raise _not_found()
    out = _out(await svc.dismiss(session, notice))
    # committed before answering: the request's session otherwise commits after the response is
    # sent, and a list asked for right after could still show the notice
    await session.commit()
    return out


all_routers = APIRouter()
all_routers.include_router(router)
all_routers.include_router(intake_router)
