"""The hub's HTTP API: signed member endpoints, public certificates, health, and the admin API."""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ValidationError

from tenohira.audit import append_event
from tenohira.core.problems import validation_problem
from tenohira.hub import repository as repo
from tenohira.hub import schemas
from tenohira.hub import service as svc
from tenohira.hub.exchange import handle_exchange
from tenohira.hub.gate import Caller, authenticate, sign_response
from tenohira.hub.health import health_report
from tenohira.hub.models import AccessRight, Member, Service
from tenohira.hub.pki import MemberCA, cert_pem
from tenohira.hub.problems import HubRefusal
from tenohira.hub.runtime import HubState

M = TypeVar("M", bound=BaseModel)

router = APIRouter()
admin = APIRouter(prefix="/admin", tags=["hub admin"])


def state_of(request: Request) -> HubState:
    """The hub state for the serving event loop (mounted apps get no lifespan: made on first use)."""
    states: dict[int, HubState] = request.app.state.hub_states
    loop = id(asyncio.get_running_loop())
    state = states.get(loop)
    if state is None:
        state = states[loop] = HubState(request.app.state.settings)
    return state


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise validation_problem(RequestValidationError(exc.errors())) from exc


def _signed_json(state: HubState, caller: Caller, payload: Any, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return sign_response(
        state, status=status, body=body, media_type="application/json", request=caller.message
    )


def _need_role(caller: Caller, role: str) -> None:
    if role not in caller.member.roles:
        raise HubRefusal.of("hub-role-required", f"needs the {role} role")


# --- public --------------------------------------------------------------------------------


@router.get("/health", summary="Hub health: keys, database, log, certificates (cached briefly)")
async def health(request: Request) -> Response:
    report = await health_report(state_of(request))
    return Response(
        json.dumps(report, ensure_ascii=False).encode(),
        status_code=200 if report["status"] == "ok" else 503,
        media_type="application/json",
    )


@router.get("/ca.pem", summary="The member CA certificate", response_class=PlainTextResponse)
async def member_ca(request: Request) -> PlainTextResponse:
    return PlainTextResponse(
        cert_pem(state_of(request).credentials.member_ca).decode(),
        media_type="application/pem-certificate-chain",
    )


@router.get("/certificate.pem", summary="The hub's signing certificate", response_class=PlainTextResponse)
async def hub_certificate(request: Request) -> PlainTextResponse:
    return PlainTextResponse(
        cert_pem(state_of(request).credentials.certificate).decode(),
        media_type="application/pem-certificate-chain",
    )


@router.get("/members/{member_id}/certificate.pem", summary="A member's current certificate")
async def member_certificate(member_id: str, request: Request) -> PlainTextResponse:
    directory = await state_of(request).directory()
    member = directory.members.get(member_id)
    if member is None:
        raise HubRefusal.of("hub-unknown-member")
    return PlainTextResponse(member.certificate_pem, media_type="application/pem-certificate-chain")


# --- signed member endpoints -----------------------------------------------------------------


@router.api_route(
    "/exchange/{service_id}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    summary="Call a service of another member (signed; subject by the caller's own code)",
)
async def exchange(service_id: str, request: Request) -> Response:
    return await handle_exchange(state_of(request), service_id, request)


@router.get("/services", summary="The services this member may call, with purposes (allowedMethods)")
async def allowed_services(request: Request) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    directory = await state.directory()
    purposes: dict[str, list[dict[str, str]]] = {}
    for (client, service_id, purpose), right in directory.rights.items():
        if client == caller.member.id:
            purposes.setdefault(service_id, []).append({"purpose": purpose, "legal_basis": right.legal_basis})
    out = []
    for service_id, granted in sorted(purposes.items()):
        s = directory.services[service_id]
        out.append(
            {
                "id": s.id,
                "provider": s.provider_id,
                "name": s.name,
                "method": s.method,
                "description": s.description,
                "legal_basis": s.legal_basis,
                "openapi": s.openapi,
                "purposes": granted,
            }
        )
    return _signed_json(state, caller, {"member": caller.member.id, "services": out})


@router.post("/subjects", summary="Register a person this member knows (or redeem an introduction)")
async def register_subject(request: Request) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    data = _parse(schemas.SubjectIn, caller.body)
    async with state.db.session() as session:
        if data.ticket:
            code = await svc.redeem(session, state.ticket_key, caller.member.id, data.ticket)
            kind = "hub:subject:introduced"
        else:
            _need_role(caller, "register-subjects")
            code = await svc.register_subject(session, caller.member.id)
            kind = "hub:subject:registered"
        await append_event(session, type=kind, actor=caller.member.id, subject=f"{caller.member.id}:{code}")
    return _signed_json(state, caller, {"code": code}, status=201)


@router.post("/subjects/introductions", summary="A ticket by which another member obtains its own code")
async def introduce(request: Request) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    _need_role(caller, "register-subjects")
    data = _parse(schemas.IntroductionIn, caller.body)
    async with state.db.session() as session:
        ticket, expires = await svc.introduce(
            session, state.ticket_key, caller.member.id, data.code, data.member
        )
    return _signed_json(
        state, caller, {"ticket": ticket, "member": data.member, "expires_at": expires.isoformat()}
    )


@router.post("/subjects/cards", summary="Link a card's authentication certificate serial to a person")
async def link_card(request: Request) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    _need_role(caller, "link-cards")
    data = _parse(schemas.CardLinkIn, caller.body)
    async with state.db.session() as session:
        await svc.link_card(session, caller.member.id, data.code, data.card_serial)
        await append_event(
            session, type="hub:card:linked", actor=caller.member.id, subject=f"card:{data.card_serial}"
        )
    return _signed_json(state, caller, {"linked": True, "card_serial": data.card_serial})


@router.post("/subjects/cards/revoke", summary="Stop resolving a revoked card")
async def unlink_card(request: Request) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    _need_role(caller, "link-cards")
    data = _parse(schemas.CardIn, caller.body)
    async with state.db.session() as session:
        await svc.unlink_card(session, data.card_serial)
        await append_event(
            session, type="hub:card:unlinked", actor=caller.member.id, subject=f"card:{data.card_serial}"
        )
    return _signed_json(state, caller, {"unlinked": True, "card_serial": data.card_serial})


@router.post("/subjects/resolve-card", summary="This member's code for the holder of an authenticated card")
async def resolve_card(request: Request) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    _need_role(caller, "resolve-cards")
    data = _parse(schemas.CardIn, caller.body)
    async with state.db.session() as session:
        code = await svc.resolve_card(session, caller.member.id, data.card_serial)
    return _signed_json(state, caller, {"code": code})


@router.post(
    "/events",
    status_code=202,
    summary="Publish an event (signed; the subject by the publisher's own code in Hub-Subject)",
)
async def publish_event(request: Request) -> Response:
    from tenohira.hub.events import EventIn, accept, courier_for

    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    data = _parse(EventIn, caller.body)
    accepted = await accept(state, caller.member.id, caller.message.headers.get("hub-subject"), data)
    # delivered after the commit, at least once: now, and by the retry loop if this fails
    courier_for(state.settings, state).kick(accepted.deliveries)
    return _signed_json(
        state,
        caller,
        {
            "event_id": accepted.event_id,
            "deliveries": len(accepted.deliveries),
            "duplicate": accepted.duplicate,
        },
        status=202,
    )


@router.get("/history", summary="A person's access history, by the calling member's code (palm)")
async def history(
    request: Request,
    code: str,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    state = state_of(request)
    caller = await authenticate(state, request, exchange=False)
    _need_role(caller, "read-history")
    limit = max(1, min(limit, 500))
    async with state.db.session() as session:
        entries = await svc.history(session, caller.member.id, code, limit=limit, offset=max(0, offset))
        await append_event(
            session, type="hub:history:read", actor=caller.member.id, subject=f"{caller.member.id}:{code}"
        )
    return _signed_json(
        state,
        caller,
        {"entries": entries, "retention_days": state.settings.access_history_retention_days},
    )


# --- admin API (bearer token from data_dir/hub/admin-token) ----------------------------------


async def require_admin(request: Request) -> HubState:
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), state.admin_token):
        raise HubRefusal.of("hub-admin-unauthorized")
    return state


def member_out(m: Member, with_certificate: bool = False) -> schemas.MemberOut:
    return schemas.MemberOut(
        id=m.id,
        name=m.name,
        status=m.status,
        status_reason=m.status_reason,
        base_url=m.base_url,
        roles=list(m.roles or []),
        log_mode=m.log_mode,
        certificate_serial=m.certificate_serial,
        certificate_not_after=svc.aware(m.certificate_not_after),
        certificate_pem=m.certificate_pem if with_certificate else None,
    )


def service_out(s: Service) -> schemas.ServiceOut:
    return schemas.ServiceOut(
        id=s.id,
        provider_id=s.provider_id,
        name=s.name,
        method=s.method,
        path=s.path,
        legal_basis=s.legal_basis,
        description=s.description,
        openapi=s.openapi or {},
        reveals_third_party=s.reveals_third_party,
    )


def right_out(r: AccessRight) -> schemas.RightOut:
    return schemas.RightOut(
        id=r.id,
        client_id=r.client_id,
        service_id=r.service_id,
        purpose=r.purpose,
        legal_basis=r.legal_basis,
        reveals_third_party=r.reveals_third_party,
        granted_at=svc.aware(r.granted_at),
        revoked_at=svc.aware(r.revoked_at) if r.revoked_at else None,
    )


@admin.get("/members", response_model=list[schemas.MemberOut])
async def admin_members(state: HubState = Depends(require_admin)) -> list[schemas.MemberOut]:
    async with state.db.session() as session:
        return [member_out(m) for m in await repo.list_members(session)]


@admin.post("/members", response_model=schemas.MemberOut, status_code=201)
async def admin_register(
    data: schemas.MemberIn, state: HubState = Depends(require_admin)
) -> schemas.MemberOut:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(data.public_key_pem.encode())
    except ValueError as exc:
        raise svc._invalid(
            "public_key_pem", "not a PEM public key", "PEM 形式の公開鍵ではありません"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise svc._invalid("public_key_pem", "an EC P-256 key is required", "EC P-256 の鍵が必要です")
    ca = await asyncio.to_thread(MemberCA.load, state.settings)
    async with state.db.session() as session:
        member = await svc.register_member(
            session,
            ca,
            member_id=data.id,
            name=data.name,
            public_key=key,
            base_url=data.base_url,
            roles=data.roles,
            log_mode=data.log_mode,
        )
        await append_event(session, type="hub:member:registered", actor="hub-admin", subject=member.id)
        out = member_out(member, with_certificate=True)
    state.invalidate()
    return out


async def _status(state: HubState, member_id: str, status: str, reason: str | None) -> schemas.MemberOut:
    async with state.db.session() as session:
        member = await svc.set_member_status(session, member_id, status, reason)
        await append_event(
            session,
            type=f"hub:member:{status}",
            actor="hub-admin",
            subject=member.id,
            attributes={"reason": (reason or "")[:256]},
        )
        out = member_out(member)
    state.invalidate()  # refused from the next request on
    return out


@admin.post("/members/{member_id}/suspend", response_model=schemas.MemberOut)
async def admin_suspend(
    member_id: str, data: schemas.StatusIn, state: HubState = Depends(require_admin)
) -> schemas.MemberOut:
    return await _status(state, member_id, "suspended", data.reason)


@admin.post("/members/{member_id}/resume", response_model=schemas.MemberOut)
async def admin_resume(
    member_id: str, data: schemas.StatusIn, state: HubState = Depends(require_admin)
) -> schemas.MemberOut:
    return await _status(state, member_id, "active", data.reason)


@admin.post("/members/{member_id}/revoke", response_model=schemas.MemberOut)
async def admin_revoke(
    member_id: str, data: schemas.StatusIn, state: HubState = Depends(require_admin)
) -> schemas.MemberOut:
    return await _status(state, member_id, "revoked", data.reason)


@admin.post("/members/{member_id}/log-mode", response_model=schemas.MemberOut)
async def admin_log_mode(
    member_id: str, data: schemas.LogModeIn, state: HubState = Depends(require_admin)
) -> schemas.MemberOut:
    async with state.db.session() as session:
        out = member_out(await svc.set_log_mode(session, member_id, data.log_mode))
    state.invalidate()
    return out


@admin.get("/services", response_model=list[schemas.ServiceOut])
async def admin_services(state: HubState = Depends(require_admin)) -> list[schemas.ServiceOut]:
    async with state.db.session() as session:
        return [service_out(s) for s in await repo.list_services(session)]


@admin.post("/services", response_model=schemas.ServiceOut, status_code=201)
async def admin_publish(
    data: schemas.ServiceIn, state: HubState = Depends(require_admin)
) -> schemas.ServiceOut:
    async with state.db.session() as session:
        out = service_out(await svc.publish_service(session, **data.model_dump()))
    state.invalidate()
    return out


@admin.get("/rights", response_model=list[schemas.RightOut])
async def admin_rights(state: HubState = Depends(require_admin)) -> list[schemas.RightOut]:
    async with state.db.session() as session:
        return [right_out(r) for r in await repo.list_rights(session, active_only=False)]


@admin.post("/rights", response_model=schemas.RightOut, status_code=201)
async def admin_grant(data: schemas.RightIn, state: HubState = Depends(require_admin)) -> schemas.RightOut:
    async with state.db.session() as session:
        right = await svc.grant(session, **data.model_dump())
        await append_event(
            session,
            type="hub:right:granted",
            actor="hub-admin",
            subject=data.client_id,
            attributes={"service": data.service_id, "purpose": data.purpose},
        )
        out = right_out(right)
    state.invalidate()
    return out


@admin.delete("/rights/{right_id}", response_model=schemas.RightOut)
async def admin_revoke_right(right_id: int, state: HubState = Depends(require_admin)) -> schemas.RightOut:
    async with state.db.session() as session:
        right = await svc.revoke_right(session, right_id)
        await append_event(
            session,
            type="hub:right:revoked",
            actor="hub-admin",
            subject=right.client_id,
            attributes={"service": right.service_id, "purpose": right.purpose},
        )
        out = right_out(right)
    state.invalidate()
    return out
