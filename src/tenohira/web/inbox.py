"""The inbox page at the centre of home: messages, decisions and requests to sign (issue #13 item 4).

Messages come from notify's in-app inbox (``/api/notify/inbox``). A supporter's request to check
and sign (template ``sign_request``) shows as a task with a link to the page that signs it; a
decision links to its application. Opening the page does not mark anything read: the resident
marks a message read (or all of them) with a button, so an unread task never disappears unseen.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tenohira.web import words
from tenohira.web.citizen import current, form_of, problem_page, to_login
from tenohira.web.i18n import Language
from tenohira.web.pages import language, render
from tenohira.web.platform_api import ApiError, PlatformApi

router = APIRouter(include_in_schema=False)

_BUNDLE_LINK = re.compile(r"(?:https?://[^\s/]+)?(/bundles/[A-Za-z0-9_-]{1,64})")
_APPLICATION_ID = re.compile(r"\b(A[0-9a-f]{16})\b")
PAGE_SIZE = 20


def message_view(m: dict[str, Any], lang: Language) -> dict[str, Any]:
    """A message for the page: kind (task, decision, notice), words, and where it leads."""
    template = str(m.get("template") or "")
    body = str(m.get("body") or "")
    link = None
    kind = "notice"
    if template == "sign_request":
        found = _BUNDLE_LINK.search(body)
        link = found.group(1) if found else None
        kind = "task"
        body = _BUNDLE_LINK.sub("", body).rstrip(" ：:\n")
    elif template == "application_decided":
        found = _APPLICATION_ID.search(body)
        link = f"/applications/{found.group(1)}" if found else "/applications"
        kind = "decision"
    return {
        "id": m.get("id"),
        "kind": kind,
        "subject": words.sentence(str(m.get("subject") or ""), lang),
        "body": words.sentence(body, lang),
        "at": m.get("created_at"),
        "read": bool(m.get("read")),
        "link": link,
    }


async def inbox_summary(api: PlatformApi, lang: Language, limit: int = 3) -> dict[str, Any]:
    """The unread count and the newest unread messages, for home."""
    try:
        body = await api.get("/api/notify/inbox", params={"unread_only": "true", "limit": str(limit)})
    except ApiError:
        return {"unread": 0, "messages": []}
    return {
        "unread": int(body.get("unread") or 0),
        "messages": [message_view(m, lang) for m in body["messages"]],
    }


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    lang = language(request)
    try:
        page = max(1, min(int(request.query_params.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    async with PlatformApi(request) as api:
        try:
            params = {"limit": str(PAGE_SIZE + 1), "offset": str((page - 1) * PAGE_SIZE)}
            body = await api.get("/api/notify/inbox", params=params)
        except ApiError as exc:
            return problem_page(request, exc, principal, "inbox")
    raw = body.get("messages", [])
    messages = [message_view(m, lang) for m in raw[:PAGE_SIZE]]
    context = {
        "active": "inbox",
        "messages": messages,
        "tasks": [m for m in messages if m["kind"] == "task" and not m["read"]],
        "unread": int(body.get("unread") or 0),
        "page": page,
        "more": len(raw) > PAGE_SIZE,
    }
    return render(request, "inbox.html", context, principal=principal)


@router.post("/inbox/{message_id}/read")
async def mark_read(request: Request, message_id: str) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    await form_of(request)
    async with PlatformApi(request) as api:
        try:
            await api.post(f"/api/notify/inbox/{message_id}/read")
        except ApiError as exc:
            return problem_page(request, exc, principal, "inbox")
    return RedirectResponse("/inbox", status_code=303)
