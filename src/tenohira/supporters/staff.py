"""The staff console's side of the hub, and the protection check supporters need.

The staff console reaches the municipality's review queue as the palm member with purpose
``staff-review`` (so every case a staff member opens is logged by the hub against the
resident, and shows in their access history). The palm finds the resident of a queued
application by its own filing (``client_reference`` is the palm application id).

After a staff decision the palm application moves queued → decided → notified and the
resident is told (inbox, email if they gave one), as an automatic decision would.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import get_settings
from tenohira.core.problems import FieldError, Problem
from tenohira.hub import HubClient, HubError, HubResponseError, close_pooled_clients, pooled_client
from tenohira.palm.interfaces import Application, record_decision
from tenohira.supporters.delegations import not_found, record_action
from tenohira.supporters.models import Role

PALM_MEMBER = "palm"  # the staff console is the palm member at the hub
PURPOSE_REVIEW = "staff-review"
PURPOSE_PROTECTION = "supporter-delegation"


def _client() -> HubClient:
    """A hub client with the palm member's credentials (pooled per event loop and data directory)."""

    try:
        return pooled_client(get_settings(), PALM_MEMBER)
    except FileNotFoundError as exc:
        raise _unavailable("the palm has no hub credentials yet (tenohira init)") from exc


async def close_clients() -> None:
    """Close the current loop's hub clients (end of a test or of the process)."""

    await close_pooled_clients()


def _unavailable(detail: str) -> Problem:
    return Problem(
        status=503,
        slug="hub-unavailable",
        title="The municipality could not be reached",
        title_ja="市のシステムに接続できませんでした。しばらくしてからもう一度お試しください",
        detail=detail,
    )


async def _call(
    client: HubClient, service: str, *, subject: str | None, purpose: str, json: Any = None
) -> Any:
    try:
        answer = await client.call(service, subject_code=subject, purpose=purpose, json=json)
        return answer.raise_for_problem().json()
    except HubError as exc:
        if exc.status == 404:
            raise not_found() from exc
        if exc.status == 422:
            raise Problem(
                status=422,
                slug="invalid-decision",
                title=str(exc.problem.get("title") or "Invalid"),
                title_ja=str(exc.problem.get("title_ja") or "入力が正しくありません"),
                detail=str(exc.problem.get("detail") or "") or None,
                errors=[
                    FieldError(str(e.get("field")), str(e.get("message")), str(e.get("message_ja")))
                    for e in exc.problem.get("errors", [])
                    if isinstance(e, dict)
                ],
            ) from exc
        raise _unavailable(str(exc)) from exc
    except (HubResponseError, OSError) as exc:
        raise _unavailable(str(exc)) from exc


async def protection_via_hub(resident_code: str, client: HubClient | None = None) -> bool:
    """Whether the resident is under an address-protection measure (asked of the municipality).

    Raises a 503 :class:`Problem` when the answer cannot be had; callers treat that as "no".
    """
    body = await _call(
        client or _client(),
        "municipality.protection-status",
        subject=resident_code,
        purpose=PURPOSE_PROTECTION,
    )
    return bool(body.get("protected")) if isinstance(body, dict) else True


async def _owner_of(session: AsyncSession, palm_application_id: str | None) -> Any:

    if not palm_application_id:
        return None
    return await session.get(Application, palm_application_id)


async def review_queue(session: AsyncSession, client: HubClient | None = None) -> list[dict[str, Any]]:
    """The municipality's review queue, earliest deadline first, with the palm application if ours."""
    body = await _call(client or _client(), "municipality.review-queue", subject=None, purpose=PURPOSE_REVIEW)
    items = body.get("items", []) if isinstance(body, dict) else []
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        app = await _owner_of(session, item.get("client_reference"))
        out.append({**item, "application_id": app.id if app is not None else None})
    return out


async def _application_for(session: AsyncSession, reference: str) -> Any:
    import sqlalchemy as sa

    app = await session.scalar(sa.select(Application).where(Application.agency_reference == reference))
    if app is None or app.state != "queued":
        raise not_found()
    return app


async def open_case(
    session: AsyncSession, staff: Role, reference: str, client: HubClient | None = None
) -> dict[str, Any]:
    """One queued case with the rules' explanation (logged at the hub against the resident)."""
    app = await _application_for(session, reference)
    body = await _call(
        client or _client(),
        "municipality.review-case",
        subject=app.owner_code,
        purpose=PURPOSE_REVIEW,
        json={"reference": reference},
    )
    await record_action(session, staff, app.owner_code, "review-opened", target=reference)
    return {**body, "application_id": app.id} if isinstance(body, dict) else {}


async def decide_case(
    session: AsyncSession,
    staff: Role,
    reference: str,
    *,
    decision: str,
    reason_ja: str,
    reason_en: str = "",
    client: HubClient | None = None,
) -> dict[str, Any]:
    """Decide a queued case at the municipality, then move the palm application on and tell the resident."""

    app = await _application_for(session, reference)
    answer = await _call(
        client or _client(),
        "municipality.review-decision",
        subject=app.owner_code,
        purpose=PURPOSE_REVIEW,
        json={
            "reference": reference,
            "decision": decision,
            "reason_ja": reason_ja,
            "reason_en": reason_en,
            "staff": staff.id,
        },
    )
    # queued → decided → notified, and the resident is told (inbox; email if they gave one)
    await record_decision(
        session, app, answer if isinstance(answer, dict) else {}, actor=f"staff:{staff.id}", note=decision
    )
    await record_action(session, staff, app.owner_code, f"review-{decision}", target=reference)
    return {"application_id": app.id, "state": app.state, "decision": app.decision}
