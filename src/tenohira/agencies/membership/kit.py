"""The pieces every agency system repeats, written once: the request's session, a hub body
parsed into a model (or a 422 problem), the key/value state of its seeding, and the intake desk
that turns a signed filing into a stored decision.

An agency brings its data (models), its services (the decisions) and its rules; the rest of a
member system is these pieces and a few lines of registration (see docs/architecture.md).
"""

# No ``from __future__ import annotations``: FastAPI resolves the intake route's dependency aliases.

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Protocol, TypeVar

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.membership.filing import (
    Filing,
    IntakeIn,
    fetch_trust,
    not_handled,
    parse_body,
    same_person,
    signer_not_subject,
    store_once,
    stored_answer,
    verify_filing,
)
from tenohira.agencies.membership.gate import LazyHubProvider
from tenohira.agencies.membership.schemas import SchemaShelf
from tenohira.core.clock import JST
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.problems import install_problem_handlers
from tenohira.hub import HubRequest
from tenohira.identity import TrustStore

A = TypeVar("A", bound="Applicant")


def member_session(settings: Settings) -> Callable[[], AsyncIterator[AsyncSession]]:
    """The FastAPI dependency of an agency app: the request's session is its unit of work
    (committed when the route returns, rolled back on an error), on this agency's database.

    ``Session = Annotated[AsyncSession, Depends(member_session(settings))]``
    """

    async def db_session() -> AsyncIterator[AsyncSession]:
        async with get_database(settings).session() as session:
            yield session

    return db_session


async def get_meta(session: AsyncSession, model: Any, key: str) -> str | None:
    """A value of an agency's key/value state table (``model``: columns ``key`` and ``value``)."""
    row = await session.get(model, key)
    return None if row is None else str(row.value)


async def set_meta(session: AsyncSession, model: Any, key: str, value: str) -> None:
    """Set a value of an agency's key/value state table (flushed with the unit of work)."""
    row = await session.get(model, key)
    if row is None:
        session.add(model(key=key, value=value))
    else:
        row.value = value


class Applicant(Protocol):
    """The person the hub names, as the deciding agency knows them (its own record)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def birth_date(self) -> date: ...


@dataclass(frozen=True)
class IntakeDesk:
    """How an agency receives signed applications (its hub service ``<member>.application-intake``).

    ``handled``: the procedures it decides; ``received``: its received-applications table (unique
    on ``client_member`` + ``client_reference``, sealed under the column ``person_column``);
    ``reference_prefix``: the start of the references it gives (``MA…``, ``IA…``); ``schemas``:
    the intake schemas it publishes and checks each filing against.
    """

    member_id: str
    handled: frozenset[str]
    received: Any
    person_column: str
    reference_prefix: str
    schemas: SchemaShelf

    async def receive(
        self,
        session: AsyncSession,
        hub: HubRequest,
        body: IntakeIn,
        *,
        trust: Callable[[], Awaitable[TrustStore]],
        applicant: Callable[[Filing], Awaitable[A]],
        decide: Callable[[A, Filing, date], Awaitable[dict[str, Any]]],
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Verify, store and decide one filed application; a retry returns the stored answer.

        In order: a filing seen before gets its first answer back; a procedure not handled here
        is refused; the envelope and the card signature are checked against ``trust`` (the CA
        chain and CRL), the fields against the published schema; ``applicant(filing)`` finds
        the person the hub names (any hub call it needs comes before anything is written: the
        hub may share an embedded database); the
        signer must be that person; ``decide(applicant, filing, today)`` gives the answer, which
        is stored once (a concurrent duplicate is rolled back and gets the stored answer).
        """
        now = now or datetime.now(UTC)
        replayed = await stored_answer(session, self.received, hub.client_member, body.application_id)
        if replayed is not None:
            return replayed
        if body.procedure not in self.handled:
            raise not_handled(body.procedure)
        filing = verify_filing(body, agency=self.member_id, trust=await trust(), now=now)
        self.schemas.check(body.procedure, filing.fields, now.astimezone(JST).date())
        person = await applicant(filing)
        if not same_person(filing.signer, person.name, person.birth_date):
            raise signer_not_subject()
        answer = await decide(person, filing, now.astimezone(JST).date())
        reference = self.reference_prefix + secrets.token_hex(8)
        answer = {"reference": reference, "procedure": body.procedure, **answer}
        replayed = await store_once(
            session,
            self.received(
                id=reference,
                client_member=hub.client_member,
                client_reference=body.application_id,
                # the person first: the sealed columns below are encrypted under their key
                **{self.person_column: person.id},
                procedure=body.procedure,
                status=str(answer["status"]),
                document=filing.document,
                manifest=filing.manifest,
                signature=filing.signature,
                signer_serial=filing.signer.serial,
                answer=answer,
                received_at=now,
                decided_at=None if answer["status"] == "queued" else now,
            ),
        )
        if replayed is not None:
            return replayed
        structlog.get_logger(f"tenohira.{self.member_id}.intake").info(
            "application received", reference=reference, procedure=body.procedure, status=answer["status"]
        )
        return answer

    def router(
        self,
        settings: Settings,
        gate: LazyHubProvider,
        receive: Callable[[AsyncSession, HubRequest, IntakeIn], Awaitable[dict[str, Any]]],
    ) -> APIRouter:
        """The agency's ``POST /services/applications``: parse the filing, ``receive`` it, and
        commit before answering (an agency never answers "filed" for a filing it could lose)."""
        router = APIRouter(prefix="/services", tags=[self.member_id])

        async def applications(
            hub: Annotated[HubRequest, Depends(gate.request)],
            db: Annotated[AsyncSession, Depends(member_session(settings))],
        ) -> dict[str, Any]:
            """Receive a signed application (document + manifest + signature) and decide it."""
            answer = await receive(db, hub, parse_body(IntakeIn, hub.json()))
            await db.commit()
            return answer

        router.add_api_route("/applications", applications, methods=["POST"], status_code=201)
        return router


def trust_from(settings: Settings) -> Callable[[], Awaitable[TrustStore]]:
    """The CA chain and the current CRL from the platform's ``/pki/``, fetched per filing (what an
    agency deployed apart has; a revocation counts at once)."""

    async def trust() -> TrustStore:
        return await fetch_trust(settings.resolved_base_url)

    return trust


def schema_router(member_id: str, shelf: SchemaShelf) -> APIRouter:
    """``GET /intake-schemas`` (the procedures with a schema) and ``GET /intake-schemas/{procedure}``:
    the JSON Schema this agency checks each filed application against (public: no personal data)."""
    router = APIRouter(prefix="/intake-schemas", tags=[member_id])

    @router.get("", summary="The procedures this agency decides, each with its intake schema")
    async def listing() -> dict[str, Any]:
        return {
            "member": member_id,
            "schemas": [{"procedure": p, "href": f"/intake-schemas/{p}"} for p in shelf.procedures()],
        }

    @router.get("/{procedure}", summary="The JSON Schema this agency checks an application against")
    async def schema(procedure: str) -> JSONResponse:
        published = shelf.get(procedure)
        if published is None:
            raise not_handled(procedure)
        return JSONResponse(published, media_type="application/schema+json")

    return router


RouterFactory = Callable[[Settings, LazyHubProvider], APIRouter]


def member_app(
    settings: Settings,
    member_id: str,
    *,
    title: str,
    description: str,
    routers: list[RouterFactory],
    schemas: SchemaShelf | None = None,
) -> tuple[FastAPI, LazyHubProvider]:
    """An agency system as its own ASGI application: problem+json errors, the hub's signature
    checked on every request and every answer signed for the hub (its gate), ``/healthz``, and
    the routes each of ``routers`` builds for ``(settings, gate)`` and, for an agency that decides
    applications, its published intake ``schemas``. Returns the app and its gate
    (for routes the agency adds itself)."""
    app = FastAPI(title=title, description=description)
    install_problem_handlers(app)
    gate = LazyHubProvider(settings, member_id)
    gate.install(app)
    for build in routers:
        app.include_router(build(settings, gate))
    if schemas is not None:
        app.include_router(schema_router(member_id, schemas))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "member": member_id}

    return app, gate
