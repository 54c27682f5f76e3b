"""HTTP API of palm applications (``/api/applications``) and the resident's own page (``/api/palm``).

(No ``from __future__ import annotations``: FastAPI must see the dependency aliases.)
"""

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import current_checkpoint
from tenohira.core.config import get_settings
from tenohira.core.crashpoints import crash_point
from tenohira.core.db import session_dependency
from tenohira.core.problems import FieldError, Problem
from tenohira.hub import HubResponseError
from tenohira.identity import Principal, current_principal
from tenohira.palm import applications as svc
from tenohira.palm import schemas
from tenohira.palm.models import Application, Bundle, Person
from tenohira.palm.people import code_of, ensure_person, hub_unavailable, set_contact

router = APIRouter(prefix="/api/applications", tags=["applications"], responses=schemas.PROBLEMS)
me_router = APIRouter(prefix="/api/palm", tags=["palm"], responses=schemas.PROBLEMS)

Session = Annotated[AsyncSession, Depends(session_dependency)]
MAX_OFFSET = 10**9  # a database integer holds it (a 36-digit offset was a 500 from the driver)
Me = Annotated[Principal, Depends(current_principal)]


async def _context(session: AsyncSession, principal: Principal) -> svc.PalmContext:
    code = await code_of(session, principal)
    return svc.PalmContext.for_code(code, f"card:{principal.card_serial}")


def _out(app: Application) -> schemas.ApplicationOut:
    procedure = svc.procedure_of(app.procedure_id)
    missing = svc.missing_fields(app) if app.state in svc.EDITABLE else []
    asked = [f for f in procedure.fields if f.name not in app.sources]
    return schemas.ApplicationOut(
        id=app.id,
        procedure=app.procedure_id,
        procedure_name=procedure.names.ja,
        procedure_name_en=procedure.names.en,
        deciding_agency=app.deciding_agency,
        state=app.state,
        status=svc.status_of(app),
        fields=app.fields,
        sources=app.sources,
        asked=[f.name for f in asked],
        questions=[
            schemas.QuestionOut(
                name=f.name,
                type=f.type,
                required=f.required,
                label_ja=f.label.ja,
                label_en=f.label.en,
                choices=[c.value for c in f.choices] if f.choices else None,
            )
            for f in asked
        ],
        missing=[schemas.FieldErrorOut(**e.as_dict()) for e in missing],
        flags=list(app.flags),
        bundle_id=app.bundle_id,
        document_sha256=app.document_sha256,
        document=base64.b64encode(app.document).decode()
        if app.document is not None and app.state in (svc.CONFIRMED, svc.SIGNED)
        else None,
        agency_reference=app.agency_reference,
        decision=app.decision,
        created_at=app.created_at,
        updated_at=app.updated_at,
        submitted_at=app.submitted_at,
    )


def _bundle_out(bundle: Bundle, apps: list[Application]) -> schemas.BundleOut:
    return schemas.BundleOut(
        id=bundle.id,
        state=bundle.state,
        manifest=svc.manifest_b64(bundle),
        sha256=bundle.manifest_sha256,
        applications=[_out(a) for a in apps],
        unfiled=sum(1 for a in apps if a.state == svc.SIGNED and a.idempotency_key is not None),
    )


def _signature(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(
            status=422,
            slug="application-invalid",
            title="The signature is not base64",
            title_ja="署名が base64 形式ではありません",
            errors=[FieldError("signature", "Not base64", "base64 形式ではありません")],
        ) from exc


# --- credentials for the birth notification --------------------------------------------------------


@router.post(
    "/credentials/birth-certificate",
    summary="Get the hospital's digital birth certificate (SD-JWT VC bound to your wallet key)",
)
async def birth_certificate(body: schemas.HolderKeyIn, session: Session, me: Me) -> dict[str, Any]:
    """The palm asks the hospital through the hub (purpose birth-notification) for the mother's
    出生証明書, bound to the public key of the resident's wallet; the key never leaves the resident."""
    ctx = await _context(session, me)
    facts = await ctx.client.call(
        "municipality.basic-facts", subject_code=ctx.code, purpose="prefill", method="GET"
    )
    hint = facts.json() if facts.ok else None
    request: dict[str, Any] = {"holder_jwk": body.holder_jwk}
    if hint:
        request["person"] = {"name": hint.get("name"), "birth_date": hint.get("birth_date")}
    try:
        answer = await ctx.client.call(
            "hospital.birth-certificate",
            subject_code=ctx.code,
            purpose="birth-notification",
            json=request,
            method="GET",
        )
    except (HubResponseError, OSError) as exc:
        raise hub_unavailable(str(exc)) from exc
    if not answer.ok:
        problem = answer.problem or {}
        raise Problem(
            status=answer.status if answer.status < 500 else 503,
            slug="birth-certificate-unavailable",
            title=str(problem.get("title") or "The hospital has no birth certificate for you"),
            title_ja=str(problem.get("title_ja") or "病院から出生証明書を受け取れませんでした"),
            detail=problem.get("detail"),
            detail_ja=problem.get("detail_ja"),
        )
    return dict(answer.json())


@router.get(
    "/credentials/presentation-nonce",
    summary="A nonce (and audience) for presenting the birth certificate to the municipality",
)
async def presentation_nonce(session: Session, me: Me) -> dict[str, Any]:
    """Bind the Key Binding JWT of the presentation to this nonce and audience."""
    ctx = await _context(session, me)
    try:
        answer = await ctx.client.call(
            "municipality.presentation-nonce",
            subject_code=ctx.code,
            purpose="birth-notification",
            method="GET",
        )
    except (HubResponseError, OSError) as exc:
        raise hub_unavailable(str(exc)) from exc
    if not answer.ok:
        raise hub_unavailable(f"presentation nonce: {answer.status}")
    return dict(answer.json())


# --- bundles ("do them for me") ---------------------------------------------------------------------


@router.post(
    "/bundles",
    response_model=schemas.BundleOut,
    status_code=201,
    summary="Do them for me: create a set to sign once",
)
async def create_bundle(body: schemas.BundleIn, session: Session, me: Me) -> schemas.BundleOut:
    """Create and prefill every listed procedure (each source fetched once through the hub), apply the
    answers to fields no agency holds, and — when every application is complete — return the
    manifest to sign once with the card. Procedures whose deciding agency has no system here are
    prepared and handed over."""
    ctx = await _context(session, me)
    bundle, apps = await svc.create_bundle(session, ctx, body.procedures, body.answers)
    await session.commit()  # durable before the answer (the next request must see it)
    return _bundle_out(bundle, apps)


@router.get("/bundles/{bundle_id}", response_model=schemas.BundleOut, summary="A set and its applications")
async def get_bundle(bundle_id: str, session: Session, me: Me) -> schemas.BundleOut:
    ctx = await _context(session, me)
    bundle = await svc.bundle_of(session, ctx.code, bundle_id)
    return _bundle_out(bundle, await svc.bundle_applications(session, bundle))


@router.patch(
    "/bundles/{bundle_id}", response_model=schemas.BundleOut, summary="Answer what the set still misses"
)
async def answer_bundle(
    bundle_id: str, body: schemas.AnswersIn, session: Session, me: Me
) -> schemas.BundleOut:
    """Answers by field name for every application of the set; when all are complete the set is
    confirmed as one and its manifest returned to sign."""
    ctx = await _context(session, me)
    bundle = await svc.bundle_of(session, ctx.code, bundle_id)
    apps = await svc.answer_bundle(session, ctx, bundle, body.answers)
    await session.commit()
    return _bundle_out(bundle, apps)


@router.post(
    "/bundles/{bundle_id}/signature",
    response_model=schemas.BundleOut,
    summary="Sign the set once, and file every application through the hub",
)
async def sign_bundle(
    bundle_id: str, body: schemas.SignatureIn, session: Session, me: Me
) -> schemas.BundleOut:
    """Verify the card's detached signature over the manifest, then submit each application to its
    deciding agency. Idempotent and resumable: sending the same signature again files only what is
    not filed yet, never twice."""
    ctx = await _context(session, me)
    bundle = await svc.bundle_of(session, ctx.code, bundle_id)
    signed = await svc.sign_bundle(session, ctx, bundle, _signature(body.signature))
    svc.request_filing(bundle, signed)  # durable with the signature: a restart resumes the filing
    await session.commit()
    crash_point("palm.bundle.signed")
    apps = await svc.submit_bundle(session, ctx, bundle)
    await session.commit()
    return _bundle_out(bundle, apps)


# --- single applications ------------------------------------------------------------------------


@router.post("", response_model=schemas.ApplicationOut, status_code=201, summary="Start an application")
async def create(body: schemas.CreateIn, session: Session, me: Me) -> schemas.ApplicationOut:
    """Create an application for a catalogue procedure, prefilled once through the hub."""
    ctx = await _context(session, me)
    app = await svc.create(session, ctx, body.procedure, body.fields)
    await session.commit()
    return _out(app)


@router.get("", response_model=schemas.ApplicationList, summary="My applications")
async def list_mine(
    session: Session,
    me: Me,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> schemas.ApplicationList:
    ctx = await _context(session, me)
    apps = await svc.list_applications(
        session, ctx.code, limit=max(1, min(limit, 500)), offset=max(0, offset)
    )
    return schemas.ApplicationList(applications=[_out(a) for a in apps])


@router.get("/{application_id}", response_model=schemas.ApplicationOut, summary="One of my applications")
async def read(application_id: str, session: Session, me: Me) -> schemas.ApplicationOut:
    ctx = await _context(session, me)
    return _out(await svc.get_application(session, ctx.code, application_id))


@router.patch("/{application_id}", response_model=schemas.ApplicationOut, summary="Answer or correct fields")
async def update(
    application_id: str, body: schemas.FieldsIn, session: Session, me: Me
) -> schemas.ApplicationOut:
    """Fields an agency holds cannot be changed here (correct them at that agency)."""
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    await svc.update_fields(session, ctx, app, body.fields)
    await session.commit()
    return _out(app)


@router.post(
    "/{application_id}/confirm", response_model=schemas.ApplicationOut, summary="Confirm the contents"
)
async def confirm(application_id: str, session: Session, me: Me) -> schemas.ApplicationOut:
    """Checks every field (bilingual field errors); freezes the document and opens a one-entry set."""
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    await svc.confirm(session, ctx, app)
    await session.commit()
    return _out(app)


@router.get("/{application_id}/manifest", response_model=schemas.ManifestOut, summary="The bytes to sign")
async def manifest(application_id: str, session: Session, me: Me) -> schemas.ManifestOut:
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    bundle = await svc.bundle_of(session, ctx.code, app.bundle_id) if app.bundle_id else None
    if bundle is None or bundle.manifest is None:
        raise svc.bad_transition(app, "signed")
    apps = await svc.bundle_applications(session, bundle)
    return schemas.ManifestOut(
        bundle_id=bundle.id,
        manifest=str(svc.manifest_b64(bundle)),
        sha256=str(bundle.manifest_sha256),
        applications=[a.id for a in apps],
    )


@router.post("/{application_id}/signature", response_model=schemas.ApplicationOut, summary="Sign")
async def sign(
    application_id: str, body: schemas.SignatureIn, session: Session, me: Me
) -> schemas.ApplicationOut:
    """Upload the card's detached CMS signature over the manifest; verified (chain, CRL) before it is kept."""
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    if app.bundle_id is None:
        raise svc.bad_transition(app, "signed")
    bundle = await svc.bundle_of(session, ctx.code, app.bundle_id)
    await svc.sign_bundle(session, ctx, bundle, _signature(body.signature))
    await session.commit()
    return _out(app)


@router.post("/{application_id}/submit", response_model=schemas.ApplicationOut, summary="Submit (idempotent)")
async def submit(
    application_id: str,
    session: Session,
    me: Me,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=128,
            description="required: a unique key per filing (a retry with the same key files once)",
        ),
    ] = None,
) -> schemas.ApplicationOut:
    """File through the hub to the deciding agency. Requires ``Idempotency-Key``: a retry with the
    same key returns the same result and never files twice."""
    if not idempotency_key:
        raise Problem(
            status=422,
            slug="idempotency-key-required",
            title="Submitting requires an Idempotency-Key header",
            title_ja="提出には Idempotency-Key ヘッダーが必要です",
            errors=[FieldError("Idempotency-Key", "Required", "必須です")],
        )
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    await svc.submit(session, ctx, app, idempotency_key)
    await session.commit()
    return _out(app)


@router.post("/{application_id}/withdraw", response_model=schemas.ApplicationOut, summary="Withdraw")
async def withdraw(
    application_id: str, session: Session, me: Me, body: schemas.WithdrawIn | None = None
) -> schemas.ApplicationOut:
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    await svc.withdraw(session, ctx, app, body.reason if body else None)
    await session.commit()
    return _out(app)


@router.get("/{application_id}/history", response_model=schemas.HistoryList, summary="Status history")
async def history(application_id: str, session: Session, me: Me) -> schemas.HistoryList:
    ctx = await _context(session, me)
    app = await svc.get_application(session, ctx.code, application_id)
    rows = await svc.history_of(session, app)
    return schemas.HistoryList(
        application_id=app.id,
        history=[
            schemas.HistoryOut(
                at=r.at, actor=r.actor, from_state=r.from_state, to_state=r.to_state, note=r.note
            )
            for r in rows
        ],
    )


# --- the resident's own page ---------------------------------------------------------------------


@me_router.get("/contact", response_model=schemas.ContactOut, summary="How you are told (email, language)")
async def get_contact(session: Session, me: Me) -> schemas.ContactOut:
    code = await code_of(session, me)
    person: Person = await ensure_person(session, code)
    return schemas.ContactOut(email=person.email, language=person.language)


@me_router.put(
    "/contact", response_model=schemas.ContactOut, summary="Set your email for notices, and language"
)
async def put_contact(body: schemas.ContactIn, session: Session, me: Me) -> schemas.ContactOut:
    code = await code_of(session, me)
    person = await set_contact(session, code, email=body.email, language=body.language)
    await session.commit()
    return schemas.ContactOut(email=person.email, language=person.language)


@me_router.get("/access-history", summary="Who asked which agency about you, when, and under which law")
async def access_history(
    session: Session,
    me: Me,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Your access history at the hub (third-party answers show only when and under which law).

    ``audit_checkpoint`` is the transparency log's newest witnessed checkpoint (a C2SP signed note
    with the witnesses' cosignatures): the exchanges listed are logged in it, those of the last
    minute or so in the next one. Your device may keep it; ``tenohira audit verify --published``
    proves the log was not rewritten or rolled back behind it."""
    ctx = await _context(session, me)
    try:
        entries = await ctx.client.history(ctx.code, limit=max(1, min(limit, 500)), offset=max(0, offset))
    except (HubResponseError, OSError) as exc:
        raise hub_unavailable(str(exc)) from exc
    return {"entries": entries, "audit_checkpoint": await current_checkpoint(session, get_settings())}
