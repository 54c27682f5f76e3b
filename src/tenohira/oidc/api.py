"""HTTP face of the OpenID Provider: discovery, JWKS, PAR, authorize, token, userinfo,
revocation, introspection, logout; and the resident's releases and consents under /api/oidc.

Back-channel errors are OAuth JSON errors (``error``, ``error_description``), never cached.
An error that is a reaction to an attack (a code or a refresh token used twice) still
commits what it revoked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database, session_dependency
from tenohira.identity import Principal, current_principal
from tenohira.oidc import keys, service
from tenohira.oidc.errors import OAuthError, invalid_request
from tenohira.oidc.proofs import verify_dpop

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
T = TypeVar("T")


def _error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers={**NO_STORE, **exc.headers})


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    out: dict[str, str] = {}
    for key in form:
        values = form.getlist(key)
        if len(values) != 1 or not isinstance(values[0], str):
            raise invalid_request(f"parameter {key} given more than once")
        out[key] = values[0]
    return out


def _query(request: Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        if len(values) != 1:
            raise invalid_request(f"parameter {key} given more than once")
        out[key] = values[0]
    return out


def _dpop_header(request: Request) -> str | None:
    values = request.headers.getlist("dpop")
    if len(values) > 1:
        raise OAuthError("invalid_dpop_proof", "more than one DPoP header")
    return values[0] if values else None


async def _unit(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T | JSONResponse:
    """Run ``work`` in one unit of work; an OAuthError still commits (revocations, used jtis)."""
    settings = get_settings()
    async with get_database().session() as session:
        try:
            return await work(session, settings)
        except OAuthError as exc:
            await session.commit()
            return _error(exc)


@router.get("/.well-known/openid-configuration", tags=["oidc"], summary="OpenID Provider metadata")
async def openid_configuration() -> JSONResponse:
    return JSONResponse(service.discovery(get_settings()), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/oauth-authorization-server", tags=["oidc"], summary="RFC 8414 metadata")
async def oauth_metadata() -> JSONResponse:
    return JSONResponse(service.discovery(get_settings()), headers={"Cache-Control": "public, max-age=300"})


@router.get("/oidc/jwks", tags=["oidc"], summary="The provider's public signing keys (rotated)")
async def jwks(session: AsyncSession = Depends(session_dependency)) -> JSONResponse:
    await keys.active_key(session, get_settings())  # the first key is made on first use
    return JSONResponse(
        await keys.published_jwks(session),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.post("/oidc/par", tags=["oidc"], summary="Pushed authorization request (RFC 9126)", status_code=201)
async def par(request: Request) -> Response:
    async def work(session: AsyncSession, settings: Settings) -> JSONResponse:
        form = await _form(request)
        proof = _dpop_header(request)
        jkt = None
        if proof:
            jkt = await verify_dpop(session, proof, method="POST", url=service.endpoints(settings).par)
        return JSONResponse(
            await service.push_request(session, settings, form, dpop_jkt=jkt), 201, headers=NO_STORE
        )

    return await _unit(work)


def _error_page(error: OAuthError) -> RedirectResponse:
    # Shown by the web app (tenohira.web.oidc_pages): the resident is told in their language.
    return RedirectResponse(
        "/oidc/error?" + urlencode({"error": error.error, "error_description": error.description}), 303
    )


@router.get("/oidc/authorize", tags=["oidc"], summary="Authorization endpoint (code flow only)")
async def authorize(request: Request) -> Response:
    settings = get_settings()
    try:
        params = _query(request)
    except OAuthError as exc:
        return _error_page(exc)
    try:
        async with get_database().session() as session:
            request_id = await service.front_channel_request(session, settings, params)
    except service.RedirectError as redirect:
        return RedirectResponse(redirect.url, 303)
    except OAuthError as exc:
        return _error_page(exc)
    return RedirectResponse(f"/oidc/consent/{request_id}", 303)


@router.post("/oidc/token", tags=["oidc"], summary="Token endpoint (private_key_jwt; DPoP)")
async def token(request: Request) -> Response:
    async def work(session: AsyncSession, settings: Settings) -> JSONResponse:
        form = await _form(request)
        answer = await service.token(session, settings, form, dpop_proof=_dpop_header(request))
        return JSONResponse(answer, headers=NO_STORE)

    return await _unit(work)


@router.api_route("/oidc/userinfo", methods=["GET", "POST"], tags=["oidc"], summary="UserInfo endpoint")
async def userinfo(request: Request) -> Response:
    async def work(session: AsyncSession, settings: Settings) -> JSONResponse:
        context = await service.access(
            session,
            settings,
            request.headers.get("authorization", ""),
            _dpop_header(request),
            method=request.method,
            url=service.endpoints(settings).userinfo,
        )
        return JSONResponse(await service.userinfo(session, settings, context), headers=NO_STORE)

    return await _unit(work)


@router.post("/oidc/revoke", tags=["oidc"], summary="Token revocation (RFC 7009)")
async def revoke(request: Request) -> Response:
    async def work(session: AsyncSession, settings: Settings) -> Response:
        await service.revoke(session, settings, await _form(request))
        return Response(status_code=200, headers=NO_STORE)

    return await _unit(work)


@router.post("/oidc/introspect", tags=["oidc"], summary="Token introspection (RFC 7662)")
async def introspect(request: Request) -> Response:
    async def work(session: AsyncSession, settings: Settings) -> JSONResponse:
        return JSONResponse(
            await service.introspect(session, settings, await _form(request)), headers=NO_STORE
        )

    return await _unit(work)


@router.get("/oidc/logout", tags=["oidc"], summary="RP-initiated logout")
async def logout(request: Request) -> Response:
    from tenohira.identity import SESSION_COOKIE, principal_for_token
    from tenohira.identity import logout as end_session

    settings = get_settings()
    try:
        params = _query(request)
        async with get_database().session() as session:
            result = await service.logout(session, settings, params)
            cookie = request.cookies.get(SESSION_COOKIE)
            principal = await principal_for_token(session, cookie) if cookie else None
            ended = principal is not None and principal.session_id in result.session_ids
            if ended and cookie:
                await end_session(session, cookie)
    except OAuthError as exc:
        return _error_page(exc)
    await _notify_logout(result.notifications)
    response = RedirectResponse(result.redirect or "/login?logged_out=1", 303)
    if ended:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _notify_logout(notifications: list[tuple[str, str]]) -> None:
    """Back-channel logout: POST each logout token after the commit; an RP that does not answer
    is logged, and its tokens are revoked anyway."""
    if not notifications:
        return
    import httpx
    import structlog

    log = structlog.get_logger("tenohira.oidc")
    async with httpx.AsyncClient(timeout=5) as client:
        for uri, token in notifications:
            try:
                answer = await client.post(uri, data={"logout_token": token}, headers=NO_STORE)
                if answer.status_code >= 400:
                    log.warning("back-channel logout refused", uri=uri, status=answer.status_code)
            except httpx.HTTPError as exc:
                log.warning("back-channel logout unreachable", uri=uri, error=str(exc))


# -- the resident's own view (JSON, for the web app and API clients) -----------------------------


def _holder(principal: Principal) -> str:
    if principal.holder_ref is None:
        raise invalid_request("this session belongs to no resident")
    return principal.holder_ref


@router.get("/api/oidc/releases", tags=["oidc"], summary="My releases of facts to relying parties")
async def my_releases(
    principal: Principal = Depends(current_principal), session: AsyncSession = Depends(session_dependency)
) -> dict[str, Any]:
    entries = await service.releases_of(session, _holder(principal))
    return {
        "entries": [
            {
                "at": e.at.isoformat(),
                "client_id": e.client_id,
                "client_name": e.client_name_ja,
                "client_name_en": e.client_name_en,
                "released": e.released,
                "channel": e.channel,
                "kind": "oidc-release",
            }
            for e in entries
        ]
    }


@router.get("/api/oidc/consents", tags=["oidc"], summary="My standing consents to relying parties")
async def my_consents(
    principal: Principal = Depends(current_principal), session: AsyncSession = Depends(session_dependency)
) -> dict[str, Any]:
    entries = await service.consents_of(session, _holder(principal))
    return {
        "consents": [
            {
                "client_id": e.client_id,
                "client_name": e.client_name_ja,
                "client_name_en": e.client_name_en,
                "scopes": e.scopes,
                "granted_at": e.granted_at.isoformat(),
            }
            for e in entries
        ]
    }


@router.post("/api/oidc/consents/{client_id}/withdraw", tags=["oidc"], summary="Withdraw my consent")
async def withdraw(
    client_id: str,
    principal: Principal = Depends(current_principal),
    session: AsyncSession = Depends(session_dependency),
) -> dict[str, bool]:
    return {"withdrawn": await service.withdraw(session, _holder(principal), client_id)}
