"""HTTP API of notify: the caller's in-app inbox, and the embedded local mailbox for demos."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import get_settings
from tenohira.core.db import session_dependency
from tenohira.core.problems import Problem
from tenohira.identity import Principal, current_principal
from tenohira.notify import service
from tenohira.notify.schemas import InboxOut, MailboxOut, MessageOut
from tenohira.notify.transports import read_mailbox

router = APIRouter(prefix="/api/notify", tags=["notify"])

Session = Annotated[AsyncSession, Depends(session_dependency)]
Me = Annotated[Principal, Depends(current_principal)]

RecipientResolver = Callable[[AsyncSession, Principal], Awaitable[list[str]]]


async def default_recipients(_session: AsyncSession, principal: Principal) -> list[str]:
    """The references a logged-in person's messages may be addressed to: their holder ref and card."""
    refs = [f"card:{principal.card_serial}"]
    if principal.holder_ref:
        refs.insert(0, principal.holder_ref)
    return refs


_resolver: list[RecipientResolver] = [default_recipients]


def set_recipient_resolver(resolver: RecipientResolver) -> None:
    """Let the palm map a principal to the recipient references it uses when it calls ``send``."""
    _resolver[0] = resolver


async def _recipients(session: AsyncSession, principal: Principal) -> list[str]:
    return await _resolver[0](session, principal)


@router.get("/inbox", response_model=InboxOut, summary="My in-app inbox (newest first)")
async def get_inbox(
    session: Session,
    me: Me,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> InboxOut:
    rows, unread = await service.inbox(
        session, await _recipients(session, me), unread_only=unread_only, limit=limit, offset=offset
    )
    return InboxOut(unread=unread, messages=[MessageOut.of(m) for m in rows])


@router.post("/inbox/{message_id}/read", response_model=MessageOut, summary="Mark one of my messages read")
async def post_read(session: Session, me: Me, message_id: str) -> MessageOut:
    msg = await service.mark_read(session, await _recipients(session, me), message_id)
    if msg is None:
        raise Problem(
            status=404,
            slug="notify-message-not-found",
            title="No such message in your inbox",
            title_ja="お知らせが見つかりません",
        )
    return MessageOut.of(msg)


@router.get("/mailbox", response_model=MailboxOut, summary="The embedded local mailbox (not in production)")
async def get_mailbox(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> MailboxOut:
    settings = get_settings()
    if settings.environment == "production" or settings.smtp_url:
        # Real mail goes out by SMTP; nobody's mail is shown over HTTP.
        raise Problem(
            status=404,
            slug="notify-mailbox-disabled",
            title="The local mailbox is only for the embedded demo",
            title_ja="ローカルメールボックスは組み込みデモでのみ使えます",
        )
    emails = read_mailbox(settings.data_dir / "mailbox", limit)
    return MailboxOut.model_validate({"count": len(emails), "emails": emails})
