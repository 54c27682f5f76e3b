"""HTTP API of identity: card login under /api/auth, public PKI material under /pki."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database, session_dependency
from tenohira.core.problems import FieldError, Problem
from tenohira.core.ratelimit import Rate, take
from tenohira.identity import passkeys, service
from tenohira.identity.bootstrap import register_checks
from tenohira.identity.ca import ISSUING_CRL_NAME, ROOT_CRL_NAME, crl_url, load_ca
from tenohira.identity.card import CardLocked
from tenohira.identity.dependencies import SESSION_COOKIE, current_principal, token_from_request
from tenohira.identity.errors import Refused
from tenohira.identity.schemas import (
    ChallengeOut,
    LockoutIn,
    LockoutOut,
    LoginIn,
    LoginOut,
    PasskeyIn,
    PasskeyList,
    PasskeyLoginIn,
    PasskeyOut,
    PkiIndex,
    PrincipalOut,
)
from tenohira.identity.service import Principal

router = APIRouter()
auth = APIRouter(prefix="/api/auth", tags=["auth"])
pki = APIRouter(prefix="/pki", tags=["pki"])

register_checks()

PEM = "application/x-pem-file"


def _b64(field: str, value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        msg, msg_ja = "must be standard base64", "base64 形式で送ってください"
        raise Problem(
            status=422,
            slug="invalid-input",
            title="Invalid input",
            title_ja="入力内容に誤りがあります",
            detail=f"{field}: {msg}",
            detail_ja=f"{field}: {msg_ja}",
            errors=[FieldError(field, msg, msg_ja)],
        ) from exc


def cookie_secure(settings: Settings) -> bool:
    """Secure cookies, except on a plain-http development or test server (where browsers and
    test clients would drop them); production always gets Secure and must be served over TLS."""
    if settings.resolved_base_url.startswith("https://"):
        return True
    return settings.environment == "production"


@auth.post("/challenge", status_code=201, summary="A single-use challenge for the card to sign")
async def challenge(session: AsyncSession = Depends(session_dependency)) -> ChallengeOut:
    issued = await service.issue_challenge(session)
    return ChallengeOut(
        challenge_id=issued.id,
        challenge=base64.b64encode(issued.challenge).decode(),
        expires_at=issued.expires_at,
    )


def _card_key(certificate_pem: str) -> str | None:
    """The serial of the certificate a login names (the rate limit's key), None if unreadable."""
    from cryptography import x509

    try:
        return format(x509.load_pem_x509_certificate(certificate_pem.encode()).serial_number, "x")
    except ValueError:
        return None


@auth.post("/login", summary="Log in with a challenge signed by the card's authentication key")
async def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    card = _card_key(body.certificate)
    if card is not None:
        # per card, whatever the source: guessing at one card from many addresses is slow too
        per_card = get_settings().rate_auth_logins_per_card_per_minute
        await take(
            request, "auth-login-card", card, Rate(per_card, per_card), "login attempts with this card"
        )
    challenge_bytes = _b64("challenge", body.challenge)
    signature = _b64("signature", body.signature)
    db = get_database()
    try:
        async with db.session() as session:
            result = await service.login(
                session,
                challenge=challenge_bytes,
                signature=signature,
                certificate=body.certificate,
                via=body.session,
            )
    except Refused as refused:
        # The refusal is logged (and its challenge burnt) in a transaction of its own, because
        # the login's transaction rolls back.
        async with db.session() as session:
            await service.record_auth_failure(
                session,
                refused,
                challenge=challenge_bytes,
                certificate=body.certificate,
                source=request.client.host if request.client else None,
            )
        raise
    p = result.principal
    out = LoginOut(
        session_id=p.session_id,
        card_serial=p.card_serial,
        via=p.via,
        created_at=p.created_at,
        expires_at=p.expires_at,
    )
    _hand_over(out, body.session, result.token, response)
    return out


def _hand_over(out: LoginOut, mode: str, token: str, response: Response) -> None:
    """A new session's token: in the body (bearer) or as the session cookie."""
    if mode == "bearer":
        out.token = token
        return
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int((out.expires_at - out.created_at).total_seconds()),
        path="/",
        secure=cookie_secure(get_settings()),
        httponly=True,
        samesite="lax",
    )


@auth.post("/logout", status_code=204, summary="End the current session")
async def logout(
    request: Request, response: Response, session: AsyncSession = Depends(session_dependency)
) -> None:
    token = token_from_request(request)
    if token:
        await service.logout(session, token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@auth.get("/me", summary="The logged-in session")
async def me(principal: Principal = Depends(current_principal)) -> PrincipalOut:
    return PrincipalOut(
        session_id=principal.session_id,
        card_serial=principal.card_serial,
        via=principal.via,
        created_at=principal.created_at,
        expires_at=principal.expires_at,
        method=principal.method,
    )


# -- passkeys bound to the card ----------------------------------------------------------------


def _who(principal: Principal) -> dict[str, Any]:
    return {
        "session_id": principal.session_id,
        "card_serial": principal.card_serial,
        "holder_ref": principal.holder_ref,
        "method": principal.method,
        "logged_in_at": principal.created_at,
    }


def _passkey_out(info: passkeys.PasskeyInfo) -> PasskeyOut:
    return PasskeyOut(**info.__dict__)


@auth.post(
    "/passkeys/registration-options",
    summary="Options for navigator.credentials.create(): only for a fresh card session",
)
async def passkey_registration_options(
    principal: Principal = Depends(current_principal), session: AsyncSession = Depends(session_dependency)
) -> dict[str, Any]:
    return await passkeys.registration_options(session, **_who(principal))


@auth.post("/passkeys", status_code=201, summary="Enrol a passkey (the authenticator's answer)")
async def passkey_register(
    body: PasskeyIn,
    principal: Principal = Depends(current_principal),
    session: AsyncSession = Depends(session_dependency),
) -> PasskeyOut:
    return _passkey_out(await passkeys.register(session, body.credential, **_who(principal)))


@auth.get("/passkeys", summary="The resident's passkeys")
async def passkey_list(
    principal: Principal = Depends(current_principal), session: AsyncSession = Depends(session_dependency)
) -> PasskeyList:
    rows = await passkeys.passkeys_of(session, principal.holder_ref or "")
    return PasskeyList(passkeys=[_passkey_out(r) for r in rows])


@auth.delete("/passkeys/{passkey_id}", status_code=204, summary="Remove one of the resident's passkeys")
async def passkey_remove(
    passkey_id: str,
    principal: Principal = Depends(current_principal),
    session: AsyncSession = Depends(session_dependency),
) -> None:
    if not await passkeys.remove(session, principal.holder_ref or "", passkey_id):
        raise Problem(
            status=404, slug="not-found", title="No such passkey", title_ja="パスキーが見つかりません"
        )


@auth.post("/passkeys/login-options", summary="Options for navigator.credentials.get()")
async def passkey_login_options(session: AsyncSession = Depends(session_dependency)) -> dict[str, Any]:
    return await passkeys.authentication_options(session)


@auth.post("/passkeys/login", summary="Log in with a passkey (AAL2-like: signing still needs the card)")
async def passkey_login(body: PasskeyLoginIn, request: Request, response: Response) -> LoginOut:
    per_source = get_settings().rate_auth_logins_per_card_per_minute
    source = request.client.host if request.client else "unknown"
    await take(request, "auth-passkey", source, Rate(per_source, per_source), "passkey login attempts")
    async with get_database().session() as session:
        result = await passkeys.login(session, body.credential, via=body.session)
    row = result.session_row
    out = LoginOut(
        session_id=row.id,
        card_serial=row.card_serial,
        via=body.session,
        created_at=row.created_at,
        expires_at=row.expires_at,
        method="passkey",
    )
    _hand_over(out, body.session, result.token, response)
    return out


@auth.post("/lockout", status_code=202, summary="Report that the card locked its PIN or password")
async def lockout(body: LockoutIn, session: AsyncSession = Depends(session_dependency)) -> LockoutOut:
    serial = await service.record_lockout(
        session, certificate=body.certificate, secret=body.secret, reported_by="card-holder"
    )
    locked = CardLocked(body.secret)
    return LockoutOut(serial=serial, unlock_ja=locked.detail_ja or "", unlock_en=locked.detail or "")


@pki.get("/", summary="Where the CA certificates and CRLs are")
async def pki_index() -> PkiIndex:
    settings = get_settings()
    base = f"{settings.resolved_base_url}/pki"
    return PkiIndex(
        root_ca=f"{base}/root-ca.pem",
        issuing_ca=f"{base}/issuing-ca.pem",
        ca_chain=f"{base}/ca-chain.pem",
        crls=[crl_url(settings, ISSUING_CRL_NAME), crl_url(settings, ROOT_CRL_NAME)],
    )


@pki.get("/{name}.pem", summary="A CA certificate (root-ca, issuing-ca) or the chain (ca-chain), PEM")
async def ca_certificate(name: str) -> Response:
    from cryptography.hazmat.primitives.serialization import Encoding

    ca = load_ca(get_settings())
    if name == "root-ca":
        body = ca.root_cert.public_bytes(Encoding.PEM)
    elif name == "issuing-ca":
        body = ca.issuing_cert.public_bytes(Encoding.PEM)
    elif name == "ca-chain":
        body = ca.chain_pem()
    else:
        raise Problem(status=404, slug="not-found", title="Not found", title_ja="見つかりません")
    return Response(body, media_type=PEM)


@pki.get("/crl/{name}.crl", summary="The current CRL (DER), signed by its CA")
async def crl(name: str, session: AsyncSession = Depends(session_dependency)) -> Response:
    if name not in (ISSUING_CRL_NAME, ROOT_CRL_NAME):
        raise Problem(status=404, slug="not-found", title="Not found", title_ja="見つかりません")
    row = await service.current_crl(session, name)
    return Response(
        row.der,
        media_type="application/pkix-crl",
        headers={
            "Cache-Control": "public, max-age=60",
            "Content-Disposition": f'inline; filename="{name}.crl"',
        },
    )


router.include_router(auth)
router.include_router(pki)
