"""Applications in the palm: the state machine, prefill once only, signing once over a set, filing.

Life of an application (every transition is a history row and a transparency-log event)::

    draft → prefilled → confirmed → signed → submitted → decided (approved | rejected | accepted)
                                                       ↘ queued (staff review at the agency)
    decided → notified;  withdrawn from draft, prefilled, confirmed or signed;
    handed_over: the deciding agency has no system here (employer, Hello Work): prepared, not filed.

The resident signs once: a manifest lists every application of a set (its id, procedure,
deciding agency and the SHA-256 of its canonical document); the card's signing key makes a
detached CMS signature over the manifest. Each agency receives only its own document, the
manifest and the signature (``tenohira.core.signed_documents``). A single application is a set
of one.

Hub calls are never made while this unit of work holds a write: the embedded hub and agencies
may share the SQLite database. Writes before a call are committed first.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core import wording
from tenohira.core.clock import today_jst
from tenohira.core.config import Settings, get_settings
from tenohira.core.crashpoints import crash_point
from tenohira.core.problems import FieldError, Problem
from tenohira.core.signed_documents import ManifestEntry, build_document, build_manifest, sha256_hex
from tenohira.hub import HubClient, HubError, HubResponseError
from tenohira.identity import SignerInfo, TrustStore, verify_document_signature
from tenohira.palm import prefill as pf
from tenohira.palm.models import Application, Bundle, HistoryEntry, Person
from tenohira.palm.people import ensure_person, hub_unavailable, palm_client, recipient_for
from tenohira.palm.push.service import close_for_filing
from tenohira.palm.validation import field_errors
from tenohira.procedures import Procedure, UnknownProcedure, deadline_for, load_catalogue

log = structlog.get_logger("tenohira.palm.applications")

DRAFT, PREFILLED, CONFIRMED, SIGNED = "draft", "prefilled", "confirmed", "signed"
SUBMITTED, DECIDED, QUEUED, NOTIFIED = "submitted", "decided", "queued", "notified"
WITHDRAWN, HANDED_OVER = "withdrawn", "handed_over"
STATES = (DRAFT, PREFILLED, CONFIRMED, SIGNED, SUBMITTED, DECIDED, QUEUED, NOTIFIED, WITHDRAWN, HANDED_OVER)
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({PREFILLED, WITHDRAWN, HANDED_OVER}),
    PREFILLED: frozenset({CONFIRMED, WITHDRAWN, HANDED_OVER}),
    CONFIRMED: frozenset({SIGNED, PREFILLED, WITHDRAWN}),  # back to prefilled: an edit after confirming
    SIGNED: frozenset({SUBMITTED, PREFILLED, WITHDRAWN, HANDED_OVER}),  # prefilled: the agency sent it back
    SUBMITTED: frozenset({DECIDED, QUEUED}),
    QUEUED: frozenset({DECIDED}),
    DECIDED: frozenset({NOTIFIED}),
    NOTIFIED: frozenset(),
    WITHDRAWN: frozenset(),
    HANDED_OVER: frozenset(),
}
EDITABLE = frozenset({DRAFT, PREFILLED, CONFIRMED})
# Deciding agencies with an intake service on the hub; the others are handed over.
INTAKE_SERVICES = {"municipality": "municipality.application-intake", "insurer": "insurer.application-intake"}
HUB_PROBLEM = "urn:tenohira:problem:hub-"
EXTRA_FIELDS = {"birth_notification": frozenset({"presentation_nonce"})}

HANDOVER = {
    "hello-work": {
        "ja": "勤務先（事業主）がハローワークへ申請します。この申請書の内容を勤務先に渡してください。",
        "en": "Your employer files this with Hello Work: give them the prepared application.",
    },
    "employer": {
        "ja": "勤務先（事業主）へ提出してください。",
        "en": "Hand this to your employer.",
    },
}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# --- problems ------------------------------------------------------------------------------------


def not_found() -> Problem:
    """No such application of this resident (another resident's is not revealed either)."""
    return Problem(
        status=404,
        slug="application-not-found",
        title="No such application",
        title_ja="該当する申請がありません",
    )


def bad_transition(app: Application, to: str) -> Problem:
    """A transition the state machine does not allow from the current state."""
    return Problem(
        status=409,
        slug="application-invalid-transition",
        title=f"An application that is {app.state} cannot become {to}",
        title_ja=f"この申請は現在「{app.state}」のため「{to}」にできません",
        extra={"state": app.state, "requested": to},
    )


def invalid(errors: list[FieldError], procedure: str) -> Problem:
    """Field-level errors in both languages."""
    return Problem(
        status=422,
        slug="application-invalid",
        title="The application has errors",
        title_ja="申請の内容に誤りがあります",
        detail="; ".join(f"{e.field}: {e.message}" for e in errors),
        detail_ja="；".join(f"{e.field}：{e.message_ja}" for e in errors),
        errors=errors,
        extra={"procedure": procedure},
    )


def unknown_procedure(procedure_id: str) -> Problem:
    return Problem(
        status=422,
        slug="application-unknown-procedure",
        title="No such procedure in the catalogue",
        title_ja="手続カタログにない手続です",
        errors=[
            FieldError("procedure", f"Unknown procedure: {procedure_id}", f"不明な手続です：{procedure_id}")
        ],
    )


# --- reading -------------------------------------------------------------------------------------


def procedure_of(procedure_id: str) -> Procedure:
    """The catalogue entry, or a 422 problem naming the field."""
    try:
        return load_catalogue().get(procedure_id)
    except (UnknownProcedure, KeyError) as exc:
        raise unknown_procedure(procedure_id) from exc


async def get_application(session: AsyncSession, code: str, application_id: str) -> Application:
    """The resident's application (404 for anyone else's)."""
    app = await session.get(Application, application_id)
    if app is None or app.owner_code != code:
        raise not_found()
    return app


async def list_applications(
    session: AsyncSession, code: str, *, limit: int = 100, offset: int = 0
) -> list[Application]:
    """The resident's applications, newest first."""
    rows = await session.execute(
        sa.select(Application)
        .where(Application.owner_code == code)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars())


async def history_of(session: AsyncSession, app: Application) -> list[HistoryEntry]:
    """Every transition of ``app``, oldest first."""
    rows = await session.execute(
        sa.select(HistoryEntry).where(HistoryEntry.application_id == app.id).order_by(HistoryEntry.id)
    )
    return list(rows.scalars())


def missing_fields(app: Application, today: date | None = None) -> list[FieldError]:
    """What still has to be entered (or corrected) before the application can be confirmed: the
    palm's checks (the agency's published schema included), then what the agency said when it sent
    the application back, for each field not changed since."""
    today = today or today_jst()
    errors = field_errors(procedure_of(app.procedure_id), app.fields, today)
    flagged = {e.field for e in errors}
    for e in returned_errors(app):
        if e.field not in flagged:
            errors.append(e)
            flagged.add(e.field)
    return errors


RETURNED = "returned_errors"  # key in ``decision`` of an application sent back for correction


def returned_errors(app: Application) -> list[FieldError]:
    """The agency's field messages of an application it sent back (until each field is corrected)."""
    if app.state not in (DRAFT, PREFILLED):
        return []
    return [
        FieldError(
            str(e.get("field")),
            str(e.get("message")),
            str(e.get("message_ja")),
            str(e["message_easy_ja"]) if e.get("message_easy_ja") else None,
        )
        for e in (app.decision or {}).get(RETURNED, [])
        if isinstance(e, dict)
    ]


def status_of(app: Application) -> str:
    """One word for where the application is: the decision's outcome once decided, else the state."""
    if app.decision and app.state in (DECIDED, NOTIFIED):
        return str(app.decision.get("status", app.state))
    return app.state


# --- transitions ---------------------------------------------------------------------------------


async def transition(
    session: AsyncSession, app: Application, to: str, *, actor: str, note: str | None = None
) -> None:
    """Move ``app`` to ``to`` (checked), with a history row and a transparency-log event."""
    if to not in TRANSITIONS[app.state]:
        raise bad_transition(app, to)
    await _record(session, app, app.state, to, actor=actor, note=note)


async def _record(
    session: AsyncSession, app: Application, before: str | None, to: str, *, actor: str, note: str | None
) -> None:
    now = _now()
    app.state = to
    app.updated_at = now
    session.add(
        HistoryEntry(application_id=app.id, at=now, actor=actor, from_state=before, to_state=to, note=note)
    )
    attributes = {"procedure": app.procedure_id, "to": to, "agency": app.deciding_agency}
    if before:
        attributes["from"] = before
    await append_event(session, type=f"application:{to}", actor=actor, subject=app.id, attributes=attributes)
    if to == SUBMITTED:
        # filed (alone or in a set): the notices announcing this procedure are done, in this transaction
        await close_for_filing(
            session, owner_code=app.owner_code, procedure_id=app.procedure_id, application_id=app.id
        )


@dataclass
class PalmContext:
    """The resident (palm code), the actor reference for logs, and the hub client."""

    code: str
    actor: str
    settings: Settings
    client: HubClient

    @classmethod
    def for_code(cls, code: str, actor: str, settings: Settings | None = None) -> PalmContext:
        settings = settings or get_settings()
        return cls(code=code, actor=actor, settings=settings, client=palm_client(settings))


async def _birth_context(session: AsyncSession, ctx: PalmContext) -> pf.PrefillContext:
    """Prefill context with what the resident's accepted birth notification gives (child, certificate)."""
    run = pf.PrefillContext(client=ctx.client, code=ctx.code)
    row = (
        await session.execute(
            sa.select(Application)
            .where(
                Application.owner_code == ctx.code,
                Application.procedure_id == "birth_notification",
                Application.state.in_((DECIDED, NOTIFIED)),
            )
            .order_by(Application.updated_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is not None and row.decision:
        run.child_code = row.decision.get("child_code")
        run.birth_reference = row.decision.get("notification_id")
        facts = pf.fields_from_certificate(
            pf.certificate_claims(str(row.fields.get("birth_certificate") or ""))
        )
        run.birth_fields = {**facts, **{k: v for k, v in row.fields.items() if k != "birth_certificate"}}
    return run


def _new_application(code: str, procedure: Procedure, now: datetime) -> Application:
    return Application(
        id="A" + secrets.token_hex(8),
        owner_code=code,
        procedure_id=procedure.id,
        deciding_agency=procedure.deciding_agency,
        state=DRAFT,
        fields={},
        sources={},
        flags=[],
        created_at=now,
        updated_at=now,
    )


def _apply_answers(procedure: Procedure, app: Application, answers: dict[str, Any]) -> None:
    """Put the resident's answers into fields nobody holds (values from agencies are not overwritten)."""
    allowed = {f.name for f in procedure.fields} | EXTRA_FIELDS.get(procedure.id, frozenset())
    fields = dict(app.fields)
    for name, value in answers.items():
        if name not in allowed or name in app.sources:
            continue
        fields[name] = value
        if name == "birth_certificate" and isinstance(value, str):
            # the hospital's certificate answers the birth facts: never asked again
            sources = dict(app.sources)
            for key, fact in pf.fields_from_certificate(pf.certificate_claims(value)).items():
                if key in allowed and key not in answers:
                    fields[key] = fact
                    sources[key] = "hospital.birth-certificate (presented)"
            app.sources = sources
    app.fields = fields
    _flag_late(procedure, app)


def _flag_late(procedure: Procedure, app: Application) -> None:
    """A birth notification after its deadline is accepted, flagged late (戸籍法 49, 137)."""
    flags = [f for f in app.flags if f != "late"]
    birth = app.fields.get("birth_date")
    if procedure.id == "birth_notification" and birth:
        try:
            deadline = deadline_for(procedure, date.fromisoformat(str(birth)))
        except ValueError:
            deadline = None
        if deadline is not None and today_jst() > deadline:
            flags.append("late")
    app.flags = flags


async def create(
    session: AsyncSession, ctx: PalmContext, procedure_id: str, answers: dict[str, Any] | None = None
) -> Application:
    """A new application, prefilled once through the hub (draft → prefilled), with the resident's answers."""
    procedure = procedure_of(procedure_id)
    run = await _birth_context(session, ctx)
    return (await create_many(session, ctx, [procedure], answers or {}, run))[0]


async def create_many(
    session: AsyncSession,
    ctx: PalmContext,
    procedures: list[Procedure],
    answers: dict[str, Any],
    run: pf.PrefillContext,
) -> list[Application]:
    """Create and prefill several applications sharing one prefill run (each source fetched once)."""
    now = _now()
    prepared: list[tuple[Procedure, Application, dict[str, str]]] = []
    for procedure in procedures:
        app = _new_application(ctx.code, procedure, now)
        fields: dict[str, Any] = {}
        sources = await pf.prefill(procedure, fields, run)  # hub calls: nothing written yet
        app.fields, app.sources = fields, sources
        prepared.append((procedure, app, sources))
    await ensure_person(session, ctx.code, now)
    out = []
    for procedure, app, sources in prepared:
        session.add(app)
        await session.flush()
        await _record(session, app, None, DRAFT, actor=ctx.actor, note=None)
        app.prefilled_at = _now()
        note = (
            f"{len(sources)} field(s) from agencies via the hub" if sources else "no field held by an agency"
        )
        await transition(session, app, PREFILLED, actor="palm", note=note)
        _apply_answers(procedure, app, answers)
        if procedure.deciding_agency not in INTAKE_SERVICES:
            await _hand_over(session, app)
        out.append(app)
    await session.flush()
    return out


async def _hand_over(session: AsyncSession, app: Application) -> None:
    ja = wording.label("agency", app.deciding_agency, "ja")
    en = wording.label("agency", app.deciding_agency, "en")
    how = HANDOVER.get(app.deciding_agency) or {
        "ja": f"この手続は{ja}のシステムにつながっていないため、準備した内容を窓口へお持ちください。",
        "en": f"{en} has no system on the hub: take the prepared application to them.",
    }
    app.decision = {"status": HANDED_OVER, "what_to_do": how}
    await transition(session, app, HANDED_OVER, actor="palm", note=f"no intake at {app.deciding_agency}")


async def update_fields(
    session: AsyncSession, ctx: PalmContext, app: Application, answers: dict[str, Any]
) -> Application:
    """Change fields the resident answers; a confirmed application goes back to prefilled."""
    if app.state not in EDITABLE:
        raise bad_transition(app, "edited")
    procedure = procedure_of(app.procedure_id)
    allowed = {f.name for f in procedure.fields} | EXTRA_FIELDS.get(procedure.id, frozenset())
    errors = [
        FieldError(name, "No such field in this procedure", "この手続にない項目です")
        for name in answers
        if name not in allowed
    ] + [
        FieldError(
            name,
            f"Held by {app.sources[name]}: correct it at that agency",
            f"{app.sources[name]} の記録です。その機関で訂正してください",
        )
        for name in answers
        if name in app.sources
    ]
    if errors:
        raise invalid(errors, app.procedure_id)
    if app.state == CONFIRMED:
        await transition(session, app, PREFILLED, actor=ctx.actor, note="edited after confirming")
        await _unbundle(session, app)
    _apply_answers(procedure, app, answers)
    if returned_errors(app):  # a corrected field no longer carries the agency's message
        kept = [e.as_dict() for e in returned_errors(app) if e.field not in answers]
        app.decision = {**(app.decision or {}), RETURNED: kept}
    app.updated_at = _now()
    return app


async def _unbundle(session: AsyncSession, app: Application) -> None:
    app.document = None
    app.document_sha256 = None
    if app.bundle_id:
        bundle = await session.get(Bundle, app.bundle_id)
        if bundle is not None and bundle.state == "open":
            bundle.manifest, bundle.manifest_sha256 = None, None
        app.bundle_id = None


def _freeze(app: Application) -> None:
    app.document = build_document(
        application_id=app.id,
        procedure=app.procedure_id,
        deciding_agency=app.deciding_agency,
        fields=app.fields,
        flags=list(app.flags),
        prepared_at=_now().isoformat(timespec="seconds"),
    )
    app.document_sha256 = sha256_hex(app.document)


async def confirm(session: AsyncSession, ctx: PalmContext, app: Application) -> Application:
    """The resident confirms: every field valid; the document is frozen and a one-entry set made."""
    if app.state != PREFILLED:
        raise bad_transition(app, CONFIRMED)
    errors = missing_fields(app)
    if errors:
        raise invalid(errors, app.procedure_id)
    _freeze(app)
    note = "filed late: accepted and flagged" if "late" in app.flags else None
    await transition(session, app, CONFIRMED, actor=ctx.actor, note=note)
    bundle = await _open_bundle(session, ctx.code, [app])
    app.bundle_id = bundle.id
    return app


def _new_bundle(code: str) -> Bundle:
    now = _now()
    return Bundle(
        id="S" + secrets.token_hex(8), owner_code=code, state="incomplete", created_at=now, updated_at=now
    )


def _set_manifest(bundle: Bundle, apps: list[Application]) -> None:
    """The manifest over every confirmed application of the set; the set is open for signing."""
    filed = [a for a in apps if a.state == CONFIRMED]
    bundle.manifest = build_manifest(
        bundle.id,
        [ManifestEntry(a.id, a.procedure_id, a.deciding_agency, str(a.document_sha256)) for a in filed],
        _now().isoformat(timespec="seconds"),
    )
    bundle.manifest_sha256 = sha256_hex(bundle.manifest)
    bundle.state = "open"
    bundle.updated_at = _now()


async def _open_bundle(session: AsyncSession, code: str, apps: list[Application]) -> Bundle:
    bundle = _new_bundle(code)
    session.add(bundle)
    await session.flush()
    for a in apps:
        a.bundle_id = bundle.id
    _set_manifest(bundle, apps)
    return bundle


async def bundle_of(session: AsyncSession, code: str, bundle_id: str) -> Bundle:
    bundle = await session.get(Bundle, bundle_id)
    if bundle is None or bundle.owner_code != code:
        raise Problem(
            status=404, slug="bundle-not-found", title="No such set", title_ja="該当する一括申請がありません"
        )
    return bundle


async def bundle_applications(session: AsyncSession, bundle: Bundle) -> list[Application]:
    rows = await session.execute(
        sa.select(Application).where(Application.bundle_id == bundle.id).order_by(Application.id)
    )
    return list(rows.scalars())


async def _trust(settings: Settings) -> TrustStore:
    return await TrustStore.fetch(settings.resolved_base_url)


def signature_refused(problem: Problem) -> Problem:
    """The uploaded signature does not verify (reason from identity, in both languages)."""
    return Problem(
        status=422,
        slug="application-signature-invalid",
        title=f"The signature was refused: {problem.title}",
        title_ja=f"署名を確認できませんでした：{problem.title_ja}",
        detail=problem.detail,
        detail_ja=problem.detail_ja,
        errors=[FieldError("signature", problem.title, problem.title_ja)],
        extra={"reason": problem.slug},
    )


async def sign_bundle(
    session: AsyncSession, ctx: PalmContext, bundle: Bundle, signature: bytes
) -> list[Application]:
    """Attach the card's detached signature over the manifest (verified here first); apps → signed."""
    apps = await bundle_applications(session, bundle)
    if bundle.state != "open" or bundle.manifest is None:
        if bundle.state in ("signed", "submitted") and bundle.signature == signature:
            return apps  # the same signature again: nothing to do
        raise Problem(
            status=409,
            slug="bundle-not-open",
            title="This set is already signed or was changed",
            title_ja="この一括申請はすでに署名済みか、変更されています",
            extra={"state": bundle.state},
        )
    apps = [a for a in apps if a.state != HANDED_OVER]
    for app in apps:
        if app.state != CONFIRMED:
            raise bad_transition(app, SIGNED)
    try:
        signer: SignerInfo = verify_document_signature(
            bundle.manifest, signature, trust=await _trust(ctx.settings)
        )
    except Problem as exc:
        raise signature_refused(exc) from exc
    bundle.signature, bundle.signer_serial, bundle.state = signature, signer.serial, "signed"
    bundle.updated_at = _now()
    for app in apps:
        await transition(session, app, SIGNED, actor=ctx.actor, note=f"signing certificate {signer.serial}")
    return apps


# --- submitting ----------------------------------------------------------------------------------


def idempotency_conflict() -> Problem:
    return Problem(
        status=409,
        slug="idempotency-key-reused",
        title="This Idempotency-Key was used for another application",
        title_ja="この Idempotency-Key は別の申請で使われています",
    )


async def submit(
    session: AsyncSession, ctx: PalmContext, app: Application, idempotency_key: str
) -> Application:
    """File a signed application through the hub; a retry with the same key never files twice.

    The key is committed before the hub call, so a retry after a crash resumes; the agency
    itself returns its first answer for the same application id.
    """
    if app.idempotency_key == idempotency_key and app.state not in (SIGNED,):
        return app  # already filed with this key: the same answer
    other = (
        await session.execute(
            sa.select(Application.id).where(
                Application.owner_code == ctx.code,
                Application.idempotency_key == idempotency_key,
                Application.id != app.id,
            )
        )
    ).scalar_one_or_none()
    if other is not None:
        raise idempotency_conflict()
    if app.state != SIGNED:
        raise bad_transition(app, SUBMITTED)
    if app.idempotency_key not in (None, idempotency_key):
        # a signed application keeps the key it was first submitted with (the filing may be in flight)
        raise Problem(
            status=409,
            slug="submission-in-progress",
            title="This application is being filed under another Idempotency-Key",
            title_ja="この申請は別の Idempotency-Key で提出処理中です",
        )
    app.idempotency_key = idempotency_key
    await session.commit()  # the key is durable before anything leaves
    crash_point("palm.application.key_committed")
    async with _filing_lock(app.id):
        await session.refresh(app)  # a concurrent request may have filed it meanwhile
        if app.state != SIGNED:
            return app
        return await _file(session, ctx, app)


_filing_locks: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def _filing_lock(application_id: str) -> AsyncIterator[None]:
    """One filing of an application at a time in this process (others wait, then see the result).

    Across processes the agencies' unique (client, application id) and the palm's compare-and-set
    on the state keep a filing single.
    """
    lock = _filing_locks.setdefault(application_id, asyncio.Lock())
    try:
        async with lock:
            yield
    finally:
        if not lock.locked() and not getattr(lock, "_waiters", None):
            _filing_locks.pop(application_id, None)


async def _file(session: AsyncSession, ctx: PalmContext, app: Application) -> Application:
    bundle = await session.get(Bundle, app.bundle_id) if app.bundle_id else None
    if bundle is None or bundle.signature is None or bundle.manifest is None or app.document is None:
        raise bad_transition(app, SUBMITTED)
    service = INTAKE_SERVICES.get(app.deciding_agency)
    if service is None:
        await _hand_over(session, app)
        return app
    body = {
        "application_id": app.id,
        "procedure": app.procedure_id,
        "document": base64.b64encode(app.document).decode(),
        "manifest": base64.b64encode(bundle.manifest).decode(),
        "signature": base64.b64encode(bundle.signature).decode(),
    }
    try:
        answer = await ctx.client.call(service, subject_code=ctx.code, purpose="application", json=body)
    except (HubResponseError, OSError) as exc:
        raise hub_unavailable(str(exc)) from exc
    crash_point("palm.application.agency_answered")  # filed there, not yet recorded here
    problem = answer.problem or {}
    if (
        answer.status >= 500
        or answer.status in (408, 429)
        or str(problem.get("type", "")).startswith(HUB_PROBLEM)
    ):
        # the hub refused or could not reach the agency: nothing was filed; a retry resumes
        raise hub_unavailable(f"{service}: {answer.status} {problem.get('type', '')}")
    if not answer.ok:
        if problem.get("type", "").endswith(":procedure-not-handled"):
            app.submitted_at = _now()
            await _hand_over(session, app)
            return app
        # sent back: the resident may correct and confirm again (nothing was filed)
        claimed = await session.execute(
            sa.update(Application)
            .where(Application.id == app.id, Application.state == SIGNED)
            .values(idempotency_key=None)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 1) == 0:
            await session.refresh(app)  # another request recorded the filing meanwhile
            return app
        app.idempotency_key = None
        await _unbundle(session, app)
        # kept with the application: the form shows the agency's own field messages until corrected
        # (only the procedure's own fields: one the resident cannot edit would block the form)
        own = {f.name for f in procedure_of(app.procedure_id).fields}
        app.decision = {
            RETURNED: [
                {k: str(v) for k, v in e.items() if k.startswith("message") or k == "field"}
                for e in problem.get("errors", [])
                if isinstance(e, dict) and e.get("field") in own
            ]
        }
        await transition(
            session, app, PREFILLED, actor=app.deciding_agency, note=f"returned: {problem.get('type')}"
        )
        await session.commit()
        raise Problem(
            status=422,
            slug="application-refused-by-agency",
            title=f"{app.deciding_agency} did not accept the application: "
            f"{problem.get('title', answer.status)}",
            title_ja=f"{app.deciding_agency} が申請を受け付けませんでした：{problem.get('title_ja', '')}",
            detail=problem.get("detail"),
            detail_ja=problem.get("detail_ja"),
            errors=[
                FieldError(
                    str(e.get("field")),
                    str(e.get("message")),
                    str(e.get("message_ja")),
                    str(e["message_easy_ja"]) if e.get("message_easy_ja") else None,
                )
                for e in problem.get("errors", [])
                if isinstance(e, dict)
            ],
            extra={"agency_problem": problem.get("type"), "reason": problem.get("reason")},
        )
    decision = dict(answer.json() or {})
    await _take_decision(session, ctx, app, decision, exchange_id=answer.exchange_id)
    return app


async def _take_decision(
    session: AsyncSession,
    ctx: PalmContext,
    app: Application,
    decision: dict[str, Any],
    *,
    exchange_id: str | None,
) -> None:
    ticket = decision.pop("child_ticket", None)
    if ticket:
        try:  # the palm's own code for the registered child (for prefilling what follows)
            decision["child_code"] = await ctx.client.redeem(str(ticket))
        except (HubError, HubResponseError, OSError) as exc:
            log.warning("child ticket not redeemed", error=str(exc))
    decision.pop("replayed", None)
    # Claim the recording: a concurrent request for the same filing (same key, or a retry while
    # the first is in flight) finds the application no longer signed and records nothing twice.
    claimed = await session.execute(
        sa.update(Application)
        .where(Application.id == app.id, Application.state == SIGNED)
        .values(state=SUBMITTED)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 1) == 0:
        await session.refresh(app)  # recorded by the other request: show that
        return
    app.agency_reference = str(decision.get("reference") or "") or None
    app.decision = decision
    app.submitted_at = app.submitted_at or _now()
    await transition(session, app, SUBMITTED, actor=ctx.actor, note=f"exchange {exchange_id}")
    status = str(decision.get("status"))
    if status == "queued":
        await transition(session, app, QUEUED, actor=app.deciding_agency, note="staff review")
        await _notify(session, app, queued=True)
        return
    await transition(session, app, DECIDED, actor=app.deciding_agency, note=status)
    await _notify(session, app)
    await transition(
        session,
        app,
        NOTIFIED,
        actor="palm",
        note="inbox" + (" + email" if await _email(session, app) else ""),
    )


async def record_decision(
    session: AsyncSession, app: Application, decision: dict[str, Any], *, actor: str, note: str | None = None
) -> Application:
    """A decision reached later (staff review of a queued application): queued → decided → notified.

    ``decision`` is merged into the stored one (status, amount, reasons ja/en, legal basis); the
    resident is told (inbox, and email if they gave one). For the staff console and event handlers.
    """
    app.decision = {**(app.decision or {}), **decision}
    await transition(session, app, DECIDED, actor=actor, note=note or str(decision.get("status")))
    await _notify(session, app)
    email = await _email(session, app)
    await transition(session, app, NOTIFIED, actor="palm", note="inbox" + (" + email" if email else ""))
    return app


async def _email(session: AsyncSession, app: Application) -> str | None:
    person = await session.get(Person, app.owner_code)
    return person.email if person else None


async def _notify(session: AsyncSession, app: Application, *, queued: bool = False) -> None:
    from tenohira.notify import send

    person = await session.get(Person, app.owner_code)
    language = person.language if person and person.language in ("ja", "en") else "ja"
    procedure = procedure_of(app.procedure_id)
    decision = app.decision or {}
    reasons = decision.get("reasons") or []
    reason = reasons[0].get("en" if language == "en" else "ja") if reasons else None
    legal = decision.get("legal_basis") or []
    basis = (
        "、".join(str(b.get("en" if language == "en" else "ja")) for b in legal if isinstance(b, dict))
        or None
    )
    name = procedure.names.in_language(language)
    email = person.email if person else None
    if decision.get("status") == "accepted":
        subject = (
            f"{name}: accepted (reference {app.id})"
            if language == "en"
            else f"{name}を受理しました（受付番号 {app.id}）"
        )
        await send(
            session,
            recipient=recipient_for(app.owner_code),
            template="generic",
            language=language,
            params={"subject": subject, "body": "\n".join(x for x in (reason, basis) if x)},
            email=email,
        )
        return
    amount = decision.get("monthly_amount") or decision.get("amount")
    await send(
        session,
        recipient=recipient_for(app.owner_code),
        template="application_decided",
        language=language,
        params={
            "procedure_name": name,
            "application_id": app.id,
            "decision": "queued" if queued else decision.get("status"),
            "amount": amount,
            "per_month": bool(decision.get("monthly_amount")),
            "reason": reason,
            "legal_basis": basis,
        },
        email=email,
    )


async def withdraw(
    session: AsyncSession, ctx: PalmContext, app: Application, reason: str | None
) -> Application:
    """Withdraw before it leaves the palm; once filed, the agency must be asked (refused here)."""
    if app.state in (SUBMITTED, QUEUED):
        raise Problem(
            status=409,
            slug="application-withdraw-at-agency",
            title="This application is with the agency: ask the agency to withdraw it",
            title_ja="この申請はすでに機関に届いています。取り下げは機関へお申し出ください",
            extra={"state": app.state},
        )
    await transition(session, app, WITHDRAWN, actor=ctx.actor, note=reason)
    return app


# --- bundles: "do them for me" -----------------------------------------------------------------


async def create_bundle(
    session: AsyncSession, ctx: PalmContext, procedure_ids: list[str], answers: dict[str, Any]
) -> tuple[Bundle, list[Application]]:
    """Create and prefill every listed procedure and open one set to sign once, if all are complete.

    Procedures without an intake here are prepared and handed over. While an application misses
    answers the set stays ``incomplete`` (no manifest); :func:`answer_bundle` completes it.
    """
    seen: list[str] = []
    for pid in procedure_ids:
        if pid not in seen:
            seen.append(pid)
    procedures = [procedure_of(pid) for pid in seen]
    run = await _birth_context(session, ctx)
    apps = await create_many(session, ctx, procedures, answers, run)
    bundle = _new_bundle(ctx.code)
    session.add(bundle)
    await session.flush()
    for app in apps:
        app.bundle_id = bundle.id
    await _confirm_complete(session, ctx, bundle, apps)
    return bundle, apps


async def _confirm_complete(
    session: AsyncSession, ctx: PalmContext, bundle: Bundle, apps: list[Application]
) -> None:
    """One confirmation covers the whole set: when every application is complete, confirm them all."""
    fileable = [a for a in apps if a.state in (PREFILLED, CONFIRMED)]
    if any(missing_fields(a) for a in fileable if a.state == PREFILLED):
        bundle.state, bundle.manifest, bundle.manifest_sha256 = "incomplete", None, None
        return
    for app in fileable:
        if app.state == PREFILLED:
            _freeze(app)
            await transition(session, app, CONFIRMED, actor=ctx.actor, note="confirmed as a set")
    if fileable:
        _set_manifest(bundle, fileable)
    else:
        bundle.state = "submitted"  # nothing to file here: everything was handed over


async def answer_bundle(
    session: AsyncSession, ctx: PalmContext, bundle: Bundle, answers: dict[str, Any]
) -> list[Application]:
    """Give missing answers to a set's applications; the set opens for signing when all are complete."""
    if bundle.state not in ("incomplete", "open"):
        raise Problem(
            status=409,
            slug="bundle-not-open",
            title="This set is already signed",
            title_ja="この一括申請はすでに署名済みです",
            extra={"state": bundle.state},
        )
    apps = await bundle_applications(session, bundle)
    for app in apps:
        if app.state in (PREFILLED, CONFIRMED):
            if app.state == CONFIRMED:
                await transition(session, app, PREFILLED, actor=ctx.actor, note="answers changed")
                app.document, app.document_sha256 = None, None
            _apply_answers(procedure_of(app.procedure_id), app, answers)
    await _confirm_complete(session, ctx, bundle, apps)
    return apps


def request_filing(bundle: Bundle, apps: list[Application]) -> None:
    """Record, with the signature, that the resident asked to file the whole set.

    Each signed application gets its idempotency key now, in the same commit as the signature:
    a crash before the filing ends leaves signed applications that carry a key, which
    :mod:`tenohira.palm.resume` files after a restart (once: the agencies answer a repeated
    application id with their first answer).
    """
    for app in apps:
        if app.state == SIGNED and app.idempotency_key is None:
            app.idempotency_key = f"{bundle.id}:{app.id}"


async def submit_bundle(session: AsyncSession, ctx: PalmContext, bundle: Bundle) -> list[Application]:
    """File every signed application of the set (resumable: the decided ones are skipped)."""
    if bundle.state not in ("signed", "submitted"):
        raise Problem(
            status=409,
            slug="bundle-not-signed",
            title="This set is not signed yet",
            title_ja="この一括申請はまだ署名されていません",
            extra={"state": bundle.state},
        )
    apps = await bundle_applications(session, bundle)
    for app in apps:
        if app.state == SIGNED:
            if app.idempotency_key is None:
                app.idempotency_key = f"{bundle.id}:{app.id}"
            await session.commit()
            try:
                async with _filing_lock(app.id):
                    await session.refresh(app)
                    if app.state != SIGNED:
                        continue
                    await _file(session, ctx, app)
            except Problem as exc:
                # one agency out of reach (or refusing) must not hold up the others: the rest are
                # filed, this one stays signed (or goes back to prefilled); a retry resumes
                # (_file writes nothing before it raises, or commits what it wrote)
                log.warning("bundle filing incomplete", application=app.id, problem=exc.slug)
                continue
            await session.commit()
    if all(a.state != SIGNED for a in apps):
        bundle.state = "submitted"
        bundle.updated_at = _now()
    return apps


def manifest_b64(bundle: Bundle) -> str | None:
    return base64.b64encode(bundle.manifest).decode() if bundle.manifest else None
