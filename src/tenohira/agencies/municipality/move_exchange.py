"""The move-out facts (転出証明情報) between cities, through the hub (住民基本台帳法 第24条の2).

The old city, having accepted a 転出届 from a card holder, sends what the paper 転出証明書 would
say to the new city's ``<member>.move-out-facts``: signed by the old city, authorised by the hub
(a right per pair of cities), logged in the exchange log and the person's access history, the
person named by the old city's agency code and translated by the hub into the new city's code.
Never the individual number. The new city keeps the facts until the person files the 転入届,
checks the new address against its own address list, and answers once per person (a retry gets
the first answer back).
"""

# No ``from __future__ import annotations``: FastAPI resolves the route's dependency aliases.

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership import LazyHubProvider, member_client, member_session, parse_body
from tenohira.agencies.municipality import moving, repository, service
from tenohira.audit import append_event
from tenohira.core.cities import City, CityNotFound, city
from tenohira.core.config import Settings
from tenohira.core.problems import FieldError, Problem
from tenohira.hub import HubRequest

SERVICE = "move-out-facts"
PURPOSE = "move-out-notice"


class MoveOutFactsIn(BaseModel):
    """What the old city sends (the items of the 転出証明書, 住民基本台帳法施行令 第23条 — UNCONFIRMED
    article; the individual number is not among them here)."""

    from_municipality: str = Field(pattern=r"^\d{6}$")
    name: str = Field(min_length=1, max_length=100)
    name_kana: str = Field(min_length=1, max_length=100)
    birth_date: date
    sex: str
    previous_address: str = Field(min_length=1, max_length=300)
    planned_move_date: date
    district_id: str = Field(pattern=r"^\d{13}$")  # the new address's 町字ID
    address_line: str = Field(min_length=1, max_length=200)


def _not_arriving() -> Problem:
    return Problem(
        status=422,
        slug="move-out-not-for-this-city",
        title="The new address is in another municipality",
        title_ja="新しい住所はこの市区町村ではありません",
    )


async def receive_facts(
    session: AsyncSession, settings: Settings, code: str, facts: MoveOutFactsIn, now: datetime
) -> dict[str, Any]:
    """Keep the facts about ``code`` (this city's code for the person); the answer, once."""
    if not facts.district_id.startswith(settings.municipality_code):
        raise _not_arriving()
    if facts.district_id not in await repository.district_ids(session):
        raise moving.address_not_in_city(
            facts.district_id, settings.municipality_name_ja, settings.municipality_name_en
        )
    planned = facts.planned_move_date
    answer = {
        "received": True,
        "municipality": settings.municipality_code,
        # the move-in is due 14 days after moving in and, for the special move-in, within 30 days
        # of the planned move-out: the second limit is known now
        "special_move_in_until": moving.special_move_in_until(planned).isoformat(),
        "move_in_deadline_if_moved_as_planned": moving.move_in_deadline(planned, planned).isoformat(),
    }
    if await repository.move_out_facts(session, code) is not None:
        return answer | {"already_received": True}
    await repository.add_move_out_facts(
        session,
        code,
        from_municipality=facts.from_municipality,
        district_id=facts.district_id,
        planned_move_date=facts.planned_move_date,
        facts=facts.model_dump(mode="json"),
        received_at=now,
    )
    await append_event(
        session,
        type="municipality:move-out-facts:received",
        actor=f"municipality:{settings.municipality_code}",
        subject=code,
        attributes={"from": facts.from_municipality},
    )
    return answer


def build_router(settings: Settings, gate: LazyHubProvider) -> APIRouter:
    """``POST /services/move-out-facts``: the move-out facts another city sends."""
    router = APIRouter(prefix="/services", tags=["municipality"])

    @router.post("/move-out-facts", status_code=201)
    async def move_out_facts(
        hub: Annotated[HubRequest, Depends(gate.request)],
        db: Annotated[AsyncSession, Depends(member_session(settings))],
    ) -> dict[str, Any]:
        """Receive the 転出証明情報 of a person moving here (from the old city, through the hub)."""
        if not hub.subject_code:
            raise _not_arriving()
        facts = parse_body(MoveOutFactsIn, hub.json())
        answer = await receive_facts(db, settings, hub.subject_code, facts, datetime.now(UTC))
        await db.commit()
        return answer

    return router


async def send_facts(
    session: AsyncSession,
    settings: Settings,
    *,
    resident_id: str,
    destination: City,
    district_id: str,
    address_line: str,
    planned_move_date: date,
) -> dict[str, Any]:
    """Send a resident's move-out facts to ``destination`` through the hub; its answer, or its
    problem raised (an address not in its list comes back as the destination said it)."""
    client = member_client(settings, settings.municipality_member)
    code = await service.hub_code(session, settings, resident_id, client.register_subject)
    record = await service.current_resident(session, settings, resident_id)
    body = MoveOutFactsIn(
        from_municipality=settings.municipality_code,
        name=record.name,
        name_kana=record.name_kana,
        birth_date=record.birth_date,
        sex=record.sex,
        previous_address=record.address,
        planned_move_date=planned_move_date,
        district_id=district_id,
        address_line=address_line,
    )
    answer = await client.call(
        f"{destination.member}.{SERVICE}",
        subject_code=code,
        purpose=PURPOSE,
        json=body.model_dump(mode="json"),
    )
    if answer.status >= 400:
        problem = answer.json()
        raise Problem(
            status=int(problem.get("status", answer.status)),
            slug=str(problem.get("type", "")).rsplit(":", 1)[-1] or "move-out-facts-refused",
            title=str(problem.get("title", "The new municipality refused the move-out facts")),
            title_ja=str(problem.get("title_ja", "転入先の市区町村が転出の情報を受け付けませんでした")),
            detail=problem.get("detail"),
            detail_ja=problem.get("detail_ja"),
            errors=[],
            extra={k: v for k, v in problem.items() if k in ("errors", "district", "reason")},
        )
    return dict(answer.json())


def _destination_unknown(code: str) -> Problem:
    return Problem(
        status=422,
        slug="destination-not-on-platform",
        title="The municipality you move to does not take the move-out facts online yet",
        title_ja="引っ越し先の市区町村は、まだオンラインで転出の情報を受け取れません",
        detail="Please file the move-out at the city office counter; you get a paper move-out certificate.",
        detail_ja="市区町村の窓口で転出届を出してください。紙の転出証明書を受け取れます。",
        errors=[
            FieldError(
                "destination_municipality",
                "Not a municipality on the platform",
                "この仕組みに参加している市区町村ではありません",
            )
        ],
        extra={"destination": code},
    )


async def decide_move_out(
    session: AsyncSession,
    settings: Settings,
    *,
    resident_id: str,
    fields: dict[str, Any],
    today: date,
) -> dict[str, Any]:
    """The old city's decision on a 転出届 (the intake desk's ``decide``): the window, one move-out
    per person, a destination on the platform; then the facts go to the new city through the hub
    (before anything is written here: the hub may share an embedded database)."""
    move_date = date.fromisoformat(str(fields.get("move_date")))
    window = moving.check_move_out(move_date, today)
    earlier = await repository.move_out_on_file(session, resident_id)
    destination_code = str(fields.get("destination_municipality") or "")
    if earlier is not None:
        raise moving.move_out_already_filed(earlier, destination_code)
    if destination_code == settings.municipality_code:
        raise Problem(
            status=422,
            slug="move-within-is-not-move-out",
            title="A move within the city is a change of address (転居届), not a move-out",
            title_ja="市内での引っ越しは転出届ではなく転居届です",
            errors=[FieldError("destination_municipality", "This city itself", "この市区町村です")],
        )
    try:
        destination = city(settings, destination_code)
    except CityNotFound:
        raise _destination_unknown(destination_code) from None
    sent = await send_facts(
        session,
        settings,
        resident_id=resident_id,
        destination=destination,
        district_id=str(fields.get("destination_district") or ""),
        address_line=str(fields.get("destination_address_line") or ""),
        planned_move_date=move_date,
    )
    until = date.fromisoformat(str(sent["special_move_in_until"]))
    return {
        "status": "accepted",
        "decided_by": "acceptance",
        "destination": destination.code,
        "move_date": move_date.isoformat(),
        "window_closes": window.closes.isoformat(),
        "special_move_in_until": until.isoformat(),
        "reasons": [
            {
                "ja": f"転出届を受け付けました。転出の情報を{destination.name_ja}へ送りました。"
                f"{until.year}年{until.month}月{until.day}日までに、引っ越してから14日以内に転入届を出してください。",
                "en": f"The move-out is accepted and its facts were sent to {destination.name_en}. "
                "File the move-in within 14 days of moving in, and by "
                f"{until.day} {until.strftime('%B')} {until.year}.",
            }
        ],
        "legal_basis": [
            {
                "ja": "住民基本台帳法 第24条・第24条の2",
                "en": "Basic Resident Registration Act, arts. 24 and 24-2",
            }
        ],
    }
