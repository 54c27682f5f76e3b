"""The OpenID Provider's flows: authorization requests (front channel and pushed), the
resident's consent, the token endpoint, userinfo, revocation, introspection and logout.

No HTTP and no commit here: callers own the unit of work. The profile is デジタル認証アプリ's
(code flow only; PKCE S256, state and nonce mandatory; private_key_jwt) with FAPI 2.0's
additions (PAR, DPoP, exact redirect URIs, iss in the authorization response).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core.config import Settings
from tenohira.identity import (
    Principal,
    Refused,
    card_status,
    current_trust,
    principal_for_token,
    verify_document_signature,
)
from tenohira.oidc import keys
from tenohira.oidc.clients import FACT_SCOPES, SUPPORTED_SCOPES, get_client
from tenohira.oidc.errors import OAuthError, invalid_client, invalid_grant, invalid_request
from tenohira.oidc.models import AuthorizationRequest, Consent, Grant, OidcClient, Release, Token
from tenohira.oidc.proofs import (
    ASSERTION_TYPE,
    unverified_claims,
    verify_client_assertion,
    verify_dpop,
)

CODE_TTL = timedelta(seconds=60)
ACCESS_TTL = timedelta(minutes=10)
REFRESH_TTL = timedelta(days=30)
ID_TOKEN_TTL = timedelta(minutes=10)
PAR_TTL = timedelta(seconds=90)
REQUEST_TTL = timedelta(minutes=10)  # time the resident has on the consent screen
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
MAX_SIGN_DOCUMENT = 16 * 1024

# Assurance: a fresh card authentication (利用者証明用電子証明書, PIN, revocation checked) is
# AAL3-like, as デジタル認証アプリ's acr "aal3"; a passkey bound to the card is AAL2-like ("aal2").
ACR_CARD = "aal3"
ACR_PASSKEY = "aal2"
ACR_VALUES = ("aal3", "aal2")
AMR_CARD = ["sc", "hwk", "pin"]  # RFC 8176: smart card, hardware key, PIN
# RFC 8176: proof of possession of a key, with the authenticator's user verification (mfa);
# "hwk" is not claimed, as a synced passkey is not held in hardware
AMR_PASSKEY = ["pop", "mfa"]
ACR_RANK = {"aal2": 2, "aal3": 3}

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _ref() -> str:
    # never twelve digits in a row: the audit log would take it for a 個人番号
    while True:
        ref = secrets.token_hex(16)
        if not re.search(r"[0-9]{12}", ref):
            return ref


# -- endpoints and metadata --------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """The provider's URLs (the issuer is the platform's base URL)."""

    issuer: str

    @property
    def authorization(self) -> str:
        return f"{self.issuer}/oidc/authorize"

    @property
    def par(self) -> str:
        return f"{self.issuer}/oidc/par"

    @property
    def token(self) -> str:
        return f"{self.issuer}/oidc/token"

    @property
    def userinfo(self) -> str:
        return f"{self.issuer}/oidc/userinfo"

    @property
    def jwks(self) -> str:
        return f"{self.issuer}/oidc/jwks"

    @property
    def revocation(self) -> str:
        return f"{self.issuer}/oidc/revoke"

    @property
    def introspection(self) -> str:
        return f"{self.issuer}/oidc/introspect"

    @property
    def end_session(self) -> str:
        return f"{self.issuer}/oidc/logout"


def endpoints(settings: Settings) -> Endpoints:
    """The provider's URLs under ``settings.resolved_base_url``."""
    return Endpoints(settings.resolved_base_url)


def discovery(settings: Settings) -> dict[str, Any]:
    """OpenID Provider metadata (OIDC Discovery 1.0, RFC 8414, RFC 9126, RFC 9449)."""
    e = endpoints(settings)
    auth_methods = ["private_key_jwt"]
    algs = ["ES256", "ES384", "PS256", "RS256", "EdDSA"]
    return {
        "issuer": e.issuer,
        "authorization_endpoint": e.authorization,
        "pushed_authorization_request_endpoint": e.par,
        "token_endpoint": e.token,
        "userinfo_endpoint": e.userinfo,
        "jwks_uri": e.jwks,
        "revocation_endpoint": e.revocation,
        "introspection_endpoint": e.introspection,
        "end_session_endpoint": e.end_session,
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [keys.SIGNING_ALG],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": algs,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "require_pushed_authorization_requests": False,  # per client: required for confidential ones
        "dpop_signing_alg_values_supported": algs,
        "acr_values_supported": list(ACR_VALUES),
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "azp",
            "sid",
            "name",
            "name#ja-Kana-JP",
            "address",
            "birthdate",
            "gender",
        ],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": True,
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "ui_locales_supported": ["ja", "en", "ja-x-easy"],
        "service_documentation": f"{e.issuer}/docs",
    }


# -- client authentication ---------------------------------------------------------------------


async def authenticate_client(
    session: AsyncSession, settings: Settings, form: dict[str, str], *, endpoint: str
) -> OidcClient:
    """The client of a back-channel request, authenticated by ``private_key_jwt`` (RFC 7523)."""
    if form.get("client_secret") or form.get("client_assertion_type") not in (ASSERTION_TYPE,):
        raise invalid_client("authenticate with private_key_jwt (client_assertion_type jwt-bearer)")
    assertion = form.get("client_assertion") or ""
    claims = unverified_claims(assertion)
    client_id = claims.get("iss")
    if not isinstance(client_id, str) or (form.get("client_id") and form["client_id"] != client_id):
        raise invalid_client("the client_id and the client assertion's issuer differ")
    client = await get_client(session, client_id)
    if client is None:
        raise invalid_client("unknown client")
    e = endpoints(settings)
    await verify_client_assertion(session, client, assertion, audiences={e.issuer, e.token, endpoint})
    return client


# -- authorization requests --------------------------------------------------------------------


@dataclass(frozen=True)
class ValidatedRequest:
    """Parameters of an authorization request that passed every check."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str
    nonce: str
    code_challenge: str
    prompt: list[str]
    max_age: int | None
    acr_values: list[str]
    ui_locales: list[str]
    dpop_jkt: str | None
    sign_document: str | None  # the UTF-8 text the resident is asked to sign

    def as_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> ValidatedRequest:
        return cls(**json.loads(text))


class RedirectError(Exception):
    """An error to send back to the relying party's (already validated) redirect URI."""

    def __init__(self, url: str, error: OAuthError) -> None:
        super().__init__(error.description)
        self.url = url
        self.error = error


def error_redirect(settings: Settings, redirect_uri: str, error: OAuthError, state: str | None) -> str:
    """The redirect URI carrying an error (with ``iss``, RFC 9207)."""
    params = {"error": error.error, "error_description": error.description}
    if state:
        params["state"] = state
    params["iss"] = endpoints(settings).issuer
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(params)


def check_redirect_uri(client: OidcClient, params: dict[str, str]) -> str:
    """The redirect URI, exactly as registered (RFC 9700 §4.1.3); otherwise an error page."""
    uri = params.get("redirect_uri") or ""
    if uri not in json.loads(client.redirect_uris):
        raise invalid_request(
            "redirect_uri is not registered for this client (matched exactly)",
            "リダイレクト URI が登録されたものと一致しません。",
        )
    return uri


def validate_authorization(client: OidcClient, params: dict[str, str]) -> ValidatedRequest:
    """Check an authorization request (redirect URI first; raise :class:`OAuthError`)."""
    redirect_uri = check_redirect_uri(client, params)
    if params.get("request"):
        raise OAuthError("request_not_supported", "request objects are not supported; use PAR")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "only response_type=code (authorization code flow)")
    if params.get("response_mode") not in (None, "", "query"):
        raise invalid_request("only response_mode=query")
    scopes = list(dict.fromkeys((params.get("scope") or "").split()))
    if "openid" not in scopes:
        raise OAuthError("invalid_scope", "scope must include openid")
    allowed = set(client.scopes.split())
    bad = [s for s in scopes if s not in SUPPORTED_SCOPES or s not in allowed]
    if bad:
        raise OAuthError("invalid_scope", f"scope not allowed for this client: {' '.join(bad)}")
    state = params.get("state") or ""
    nonce = params.get("nonce") or ""
    if not state:
        raise invalid_request("state is required", "state は必須です。")
    if not nonce:
        raise invalid_request("nonce is required", "nonce は必須です。")
    if len(state) > 512 or len(nonce) > 255:
        raise invalid_request("state or nonce too long")
    challenge = params.get("code_challenge") or ""
    if not challenge:
        raise invalid_request("code_challenge is required (PKCE)", "code_challenge（PKCE）は必須です。")
    if params.get("code_challenge_method") != "S256":
        raise invalid_request(
            "code_challenge_method must be S256", "code_challenge_method は S256 のみです。"
        )
    if not _CHALLENGE.match(challenge):
        raise invalid_request("code_challenge is not a base64url SHA-256")
    prompt = (params.get("prompt") or "").split()
    if any(p not in ("none", "login", "consent") for p in prompt) or ("none" in prompt and len(prompt) > 1):
        raise invalid_request("prompt must be none, login or consent")
    if "none" in prompt:
        # every authorization here needs the resident: the card (PIN) or a consent on screen
        raise OAuthError("interaction_required", "this provider always asks the resident (card or consent)")
    max_age: int | None = None
    if params.get("max_age"):
        try:
            max_age = int(params["max_age"])
        except ValueError as exc:
            raise invalid_request("max_age must be a number of seconds") from exc
        if max_age < 0:
            raise invalid_request("max_age must not be negative")
    sign_document: str | None = None
    if "sign" in scopes:
        raw = params.get("sign_document") or ""
        try:
            data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            sign_document = data.decode("utf-8")
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise invalid_request("sign_document must be base64url of UTF-8 text") from exc
        if not sign_document or len(data) > MAX_SIGN_DOCUMENT:
            raise invalid_request("scope sign needs sign_document (1 byte to 16 KiB of text)")
    return ValidatedRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        prompt=prompt,
        max_age=max_age,
        acr_values=(params.get("acr_values") or "").split(),
        ui_locales=(params.get("ui_locales") or "").split(),
        dpop_jkt=params.get("dpop_jkt") or None,
        sign_document=sign_document,
    )


async def push_request(
    session: AsyncSession,
    settings: Settings,
    form: dict[str, str],
    *,
    dpop_jkt: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Pushed authorization request (RFC 9126): authenticate the client, validate, store."""
    now = _now(now)
    client = await authenticate_client(session, settings, form, endpoint=endpoints(settings).par)
    if form.get("request_uri"):
        raise invalid_request("request_uri must not be pushed")
    if dpop_jkt and form.get("dpop_jkt") and form["dpop_jkt"] != dpop_jkt:
        raise invalid_request("dpop_jkt differs from the DPoP proof's key")
    request = validate_authorization(client, {**form, **({"dpop_jkt": dpop_jkt} if dpop_jkt else {})})
    request_id = _ref()
    session.add(
        AuthorizationRequest(
            id=request_id,
            client_id=client.client_id,
            params=request.as_json(),
            pushed=True,
            created_at=now,
            expires_at=now + PAR_TTL,
        )
    )
    await session.flush()
    return {"request_uri": REQUEST_URI_PREFIX + request_id, "expires_in": int(PAR_TTL.total_seconds())}


async def front_channel_request(
    session: AsyncSession, settings: Settings, params: dict[str, str], *, now: datetime | None = None
) -> str:
    """The authorization endpoint: the id of the request now waiting for the resident.

    Raises :class:`OAuthError` when the error must be shown here (unknown client, bad redirect
    URI) and :class:`RedirectError` when it can go back to the relying party.
    """
    now = _now(now)
    client = await get_client(session, params.get("client_id") or "")
    if client is None:
        raise invalid_request("unknown client_id", "連携先（client_id）が登録されていません。")
    request_uri = params.get("request_uri")
    if request_uri:
        row = None
        if request_uri.startswith(REQUEST_URI_PREFIX):
            row = await session.get(AuthorizationRequest, request_uri[len(REQUEST_URI_PREFIX) :])
        if (
            row is None
            or not row.pushed
            or row.client_id != client.client_id
            or row.opened_at is not None
            or _aware(row.expires_at) <= now
        ):
            raise invalid_request(
                "request_uri is unknown, expired, already used or not this client's",
                "リクエストの有効期限が切れたか、すでに使われています。最初からやり直してください。",
            )
        row.opened_at = now
        row.expires_at = now + REQUEST_TTL
        return row.id
    redirect_uri = check_redirect_uri(client, params)
    try:
        if client.require_par:
            raise invalid_request("this client must use pushed authorization requests (PAR)")
        request = validate_authorization(client, params)
    except OAuthError as error:
        raise RedirectError(
            error_redirect(settings, redirect_uri, error, params.get("state")), error
        ) from error
    request_id = _ref()
    session.add(
        AuthorizationRequest(
            id=request_id,
            client_id=client.client_id,
            params=request.as_json(),
            pushed=False,
            created_at=now,
            opened_at=now,
            expires_at=now + REQUEST_TTL,
        )
    )
    await session.flush()
    return request_id


# -- the resident's decision -------------------------------------------------------------------


@dataclass(frozen=True)
class PendingRequest:
    """An authorization request as the consent screen shows it."""

    id: str
    client_id: str
    client_name_ja: str
    client_name_en: str
    redirect_uri: str
    facts: list[str]  # requested fact scopes, in FACT_SCOPES order
    sign_document: str | None
    prompt: list[str]
    max_age: int | None
    acr_values: list[str]
    ui_locales: list[str]
    expires_at: datetime

    def needs_card(self, principal: Principal | None, *, now: datetime | None = None) -> bool:
        """Whether the resident must (again) authenticate with the card for this request: no
        session, ``prompt=login``, an older login than ``max_age``, or a passkey session where
        the card is needed (a signature, or only ``aal3`` accepted: the step-up to the card)."""
        if principal is None or "login" in self.prompt:
            return True
        if principal.method != "card" and (self.sign_document is not None or self.wants_card):
            return True
        return self.max_age is not None and _now(now) - principal.created_at > timedelta(seconds=self.max_age)

    @property
    def wants_card(self) -> bool:
        """The relying party accepts only the card's assurance (every known acr it asked is aal3)."""
        known = [v for v in self.acr_values if v in ACR_RANK]
        return bool(known) and min(ACR_RANK[v] for v in known) >= ACR_RANK[ACR_CARD]

    @property
    def needs_password(self) -> bool:
        """Facts and signatures come from the signing key: the card's signing password is needed."""
        return bool(self.facts) or self.sign_document is not None


def _request_expired() -> OAuthError:
    return invalid_request(
        "the authorization request is unknown, finished or expired",
        "この手続きの有効期限が切れたか、すでに終わっています。連携先のサービスから最初からやり直してください。",
    )


async def _open_request(
    session: AsyncSession, request_id: str, now: datetime
) -> tuple[AuthorizationRequest, ValidatedRequest, OidcClient]:
    row = await session.get(AuthorizationRequest, request_id)
    if row is None or row.done_at is not None or row.opened_at is None or _aware(row.expires_at) <= now:
        raise _request_expired()
    client = await get_client(session, row.client_id)
    if client is None:
        raise _request_expired()
    return row, ValidatedRequest.from_json(row.params), client


async def pending(session: AsyncSession, request_id: str, *, now: datetime | None = None) -> PendingRequest:
    """The request waiting on the consent screen (raises :class:`OAuthError` if gone)."""
    row, request, client = await _open_request(session, request_id, _now(now))
    return PendingRequest(
        id=row.id,
        client_id=client.client_id,
        client_name_ja=client.name_ja,
        client_name_en=client.name_en,
        redirect_uri=request.redirect_uri,
        facts=[s for s in FACT_SCOPES if s in request.scopes],
        sign_document=request.sign_document,
        prompt=request.prompt,
        max_age=request.max_age,
        acr_values=request.acr_values,
        ui_locales=request.ui_locales,
        expires_at=_aware(row.expires_at),
    )


def consent_statement(request_id: str, client_id: str, facts: list[str]) -> bytes:
    """The exact bytes the card signs to consent to releasing ``facts`` (J-LIS style: the signing
    certificate that comes with the signature is where the facts are read from)."""
    return "|".join(["tenohira-oidc-consent-v1", request_id, client_id, " ".join(facts)]).encode()


def _claims_of(facts_obj: Any, granted: list[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if "name" in granted:
        claims["name"] = facts_obj.name
        claims["name#ja-Kana-JP"] = facts_obj.name_kana
    if "address" in granted:
        claims["address"] = {"formatted": facts_obj.address, "country": "JP"}
    if "birthdate" in granted:
        claims["birthdate"] = facts_obj.birth_date.isoformat()
    if "gender" in granted:
        claims["gender"] = facts_obj.sex
    return claims


async def _card_of(session: AsyncSession, serial: str) -> str | None:
    rows = await card_status(session, serial=serial)
    return rows[0].card_id if rows else None


async def pairwise(session: AsyncSession, settings: Settings, sector: str, value: str) -> str:
    """A pairwise identifier: the same resident gets unrelated values at different sectors."""
    key = await keys.secret(session, settings, "pairwise")
    return _b64(hmac.new(key, f"{sector}|{value}".encode(), hashlib.sha256).digest())


async def approve(
    session: AsyncSession,
    settings: Settings,
    request_id: str,
    *,
    session_token: str,
    facts: list[str],
    consent_signature: bytes | None = None,
    document_signature: bytes | None = None,
    fresh_login: bool = False,
    now: datetime | None = None,
) -> str:
    """The resident allowed: check their card's signatures, make the code; the redirect URL.

    ``facts`` are the fact scopes the resident ticked (a subset of those requested);
    ``consent_signature`` is the card's CMS signature over :func:`consent_statement` (needed when
    any fact is released); ``document_signature`` the CMS signature over the document (scope sign).
    """
    now = _now(now)
    row, request, client = await _open_request(session, request_id, now)
    principal = await principal_for_token(session, session_token, now=now, settings=settings)
    if principal is None or principal.holder_ref is None:
        raise OAuthError(
            "login_required", "log in with the card first", "カードでログインしてください。", 401
        )
    view = await pending(session, request_id, now=now)
    if view.needs_card(principal, now=now) and not fresh_login:
        raise OAuthError(
            "login_required", "the card must be used again (max_age or prompt=login)", status=401
        )
    granted_facts = [f for f in FACT_SCOPES if f in facts and f in view.facts]
    auth_card = await _card_of(session, principal.card_serial)
    claims: dict[str, Any] = {}
    trust = None
    if granted_facts:
        if consent_signature is None:
            raise invalid_request(
                "releasing facts needs the card's signature", "署名用パスワードが必要です。"
            )
        trust = await current_trust(session, settings=settings)
        try:
            signer = verify_document_signature(
                consent_statement(request_id, client.client_id, granted_facts),
                consent_signature,
                trust=trust,
                now=now,
            )
        except Refused as refused:
            raise OAuthError(
                "access_denied", f"the card's signature was refused: {refused.reason}"
            ) from refused
        if await _card_of(session, signer.serial) != auth_card:
            raise OAuthError("access_denied", "the signing certificate is not of the card that logged in")
        claims = _claims_of(signer.facts, granted_facts)
    signature_b64: str | None = None
    scopes = ["openid", *granted_facts]
    if request.sign_document is not None and document_signature is not None:
        trust = trust or await current_trust(session, settings=settings)
        try:
            signer = verify_document_signature(
                request.sign_document.encode(), document_signature, trust=trust, now=now
            )
        except Refused as refused:
            raise OAuthError(
                "access_denied", f"the document signature was refused: {refused.reason}"
            ) from refused
        if await _card_of(session, signer.serial) != auth_card:
            raise OAuthError("access_denied", "the signing certificate is not of the card that logged in")
        signature_b64 = base64.b64encode(document_signature).decode()
        scopes.append("sign")
    code = secrets.token_urlsafe(32)
    grant_id = _ref()
    data_key = await keys.secret(session, settings, "claims")
    session.add(
        Grant(
            id=grant_id,
            client_id=client.client_id,
            holder_ref=principal.holder_ref,
            subject=await pairwise(session, settings, client.sector, principal.holder_ref),
            session_id=principal.session_id,
            scopes=" ".join(scopes),
            claims=keys.seal(data_key, json.dumps(claims, ensure_ascii=False).encode(), grant_id)
            if claims
            else None,
            signature=signature_b64,
            nonce=request.nonce,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            code_hash=_hash(code),
            code_expires_at=now + CODE_TTL,
            acr=ACR_CARD if principal.method == "card" else ACR_PASSKEY,
            amr=" ".join(AMR_CARD if principal.method == "card" else AMR_PASSKEY),
            auth_time=principal.created_at,
            dpop_jkt=request.dpop_jkt,
            created_at=now,
        )
    )
    row.done_at = now
    session.add(
        Consent(
            holder_ref=principal.holder_ref,
            client_id=client.client_id,
            scopes=" ".join(scopes),
            granted_at=now,
        )
    )
    await append_event(
        session,
        type="oidc:consent",
        actor=principal.card_serial,
        subject=client.client_id,
        attributes={"scopes": " ".join(scopes), "grant": grant_id},
    )
    await session.flush()
    params = {"code": code, "state": request.state, "iss": endpoints(settings).issuer}
    return request.redirect_uri + ("&" if "?" in request.redirect_uri else "?") + urlencode(params)


async def deny(
    session: AsyncSession, settings: Settings, request_id: str, *, now: datetime | None = None
) -> str:
    """The resident refused: the redirect URL carrying ``access_denied``."""
    row, request, client = await _open_request(session, request_id, _now(now))
    row.done_at = _now(now)
    await append_event(session, type="oidc:consent:refused", actor="resident", subject=client.client_id)
    return error_redirect(
        settings,
        request.redirect_uri,
        OAuthError("access_denied", "the resident did not allow the request"),
        request.state,
    )


# -- tokens --------------------------------------------------------------------------------------


def _s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


async def _grant_claims(session: AsyncSession, settings: Settings, grant: Grant) -> dict[str, Any]:
    if not grant.claims:
        return {}
    data_key = await keys.secret(session, settings, "claims")
    value: dict[str, Any] = json.loads(keys.unseal(data_key, grant.claims, grant.id))
    return value


async def _revoke_grant(session: AsyncSession, grant: Grant, now: datetime) -> None:
    grant.revoked_at = grant.revoked_at or now
    await session.execute(
        update(Token).where(Token.grant_id == grant.id, Token.revoked_at.is_(None)).values(revoked_at=now)
    )


async def _id_token(
    session: AsyncSession,
    settings: Settings,
    grant: Grant,
    client: OidcClient,
    access_token: str,
    now: datetime,
) -> str:
    signing = await keys.active_key(session, settings)
    at_hash = _b64(hashlib.sha256(access_token.encode()).digest()[:16])
    claims: dict[str, Any] = {
        "iss": endpoints(settings).issuer,
        "sub": grant.subject,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + ID_TOKEN_TTL).timestamp()),
        "auth_time": int(_aware(grant.auth_time).timestamp()),
        "nonce": grant.nonce,
        "acr": grant.acr,
        "amr": grant.amr.split(),
        "at_hash": at_hash,
        "sid": await pairwise(session, settings, client.sector, "sid|" + grant.session_id),
        **await _grant_claims(session, settings, grant),
    }
    return jwt.encode({"alg": keys.SIGNING_ALG, "kid": signing.kid, "typ": "JWT"}, claims, signing.key)


async def _issue(
    session: AsyncSession,
    settings: Settings,
    grant: Grant,
    client: OidcClient,
    scopes: list[str],
    jkt: str | None,
    now: datetime,
) -> dict[str, Any]:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    for kind, value, ttl in (("access", access, ACCESS_TTL), ("refresh", refresh, REFRESH_TTL)):
        session.add(
            Token(
                token_hash=_hash(value),
                kind=kind,
                grant_id=grant.id,
                client_id=client.client_id,
                scopes=" ".join(scopes),
                jkt=jkt,
                created_at=now,
                expires_at=now + ttl,
            )
        )
    answer: dict[str, Any] = {
        "access_token": access,
        "token_type": "DPoP" if jkt else "Bearer",
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "refresh_token": refresh,
        "scope": " ".join(scopes),
        "id_token": await _id_token(session, settings, grant, client, access, now),
    }
    if "sign" in scopes and grant.signature:
        answer["signature"] = grant.signature  # detached CMS SignedData, DER, base64
        answer["signature_format"] = "cms-detached-der"
    return answer


async def _record_release(
    session: AsyncSession, grant: Grant, scopes: list[str], channel: str, now: datetime
) -> None:
    # the signature leaves with the token response only; userinfo gives facts alone
    released = [s for s in scopes if s in FACT_SCOPES or (s == "sign" and channel == "token")] or ["openid"]
    session.add(
        Release(
            holder_ref=grant.holder_ref,
            client_id=grant.client_id,
            grant_id=grant.id,
            released=" ".join(released),
            channel=channel,
            at=now,
        )
    )
    await append_event(
        session,
        type=f"oidc:release:{channel}",
        actor=grant.client_id,
        subject=grant.id,
        attributes={"released": " ".join(released)},
    )


async def token(
    session: AsyncSession,
    settings: Settings,
    form: dict[str, str],
    *,
    dpop_proof: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The token endpoint: ``authorization_code`` (with PKCE) and ``refresh_token`` (rotated)."""
    now = _now(now)
    e = endpoints(settings)
    grant_type = form.get("grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        raise OAuthError("unsupported_grant_type", "only authorization_code and refresh_token")
    client = await authenticate_client(session, settings, form, endpoint=e.token)
    jkt = await verify_dpop(session, dpop_proof, method="POST", url=e.token, now=now) if dpop_proof else None
    if client.require_dpop and jkt is None:
        raise invalid_request("this client's tokens must be DPoP-bound: send a DPoP proof")
    if grant_type == "authorization_code":
        code = form.get("code") or ""
        grant = await session.scalar(select(Grant).where(Grant.code_hash == _hash(code))) if code else None
        if grant is None or grant.client_id != client.client_id:
            raise invalid_grant("the code is unknown or was not issued to this client")
        if grant.code_used_at is not None:
            # a code used twice: someone has it who should not; end everything it gave (RFC 6749 §4.1.2)
            await _revoke_grant(session, grant, now)
            raise invalid_grant("the code was already used; its tokens are revoked")
        grant.code_used_at = now
        if grant.revoked_at is not None or _aware(grant.code_expires_at) <= now:
            raise invalid_grant("the code has expired")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise invalid_grant("redirect_uri differs from the authorization request's")
        verifier = form.get("code_verifier") or ""
        if not _VERIFIER.match(verifier) or not hmac.compare_digest(_s256(verifier), grant.code_challenge):
            raise invalid_grant("code_verifier does not match the code_challenge (PKCE)")
        if grant.dpop_jkt and grant.dpop_jkt != jkt:
            raise invalid_grant("the code is bound to another DPoP key (dpop_jkt)")
        scopes = grant.scopes.split()
        answer = await _issue(session, settings, grant, client, scopes, jkt, now)
        await _record_release(session, grant, scopes, "token", now)
        return answer
    presented = form.get("refresh_token") or ""
    row = await session.get(Token, _hash(presented)) if presented else None
    if row is None or row.kind != "refresh" or row.client_id != client.client_id:
        raise invalid_grant("the refresh token is unknown or was not issued to this client")
    grant_row = await session.get(Grant, row.grant_id)
    if grant_row is None:
        raise invalid_grant("the refresh token's grant is gone")
    if row.used_at is not None:
        # a rotated-out refresh token came back: treat as stolen (RFC 9700 §4.14.2)
        await _revoke_grant(session, grant_row, now)
        raise invalid_grant("the refresh token was already used; the grant is revoked")
    if row.revoked_at is not None or grant_row.revoked_at is not None or _aware(row.expires_at) <= now:
        raise invalid_grant("the refresh token is revoked or expired")
    if row.jkt and row.jkt != jkt:
        raise invalid_dpop_bound()
    row.used_at = now
    scopes = row.scopes.split()
    if form.get("scope"):
        asked = form["scope"].split()
        if any(s not in scopes for s in asked):
            raise OAuthError("invalid_scope", "a refresh cannot widen the scope")
        scopes = asked
    return await _issue(session, settings, grant_row, client, scopes, jkt or row.jkt, now)


def invalid_dpop_bound() -> OAuthError:
    """The refresh token is bound to a DPoP key the request did not prove."""
    return invalid_grant("the refresh token is bound to another DPoP key")


# -- resource access -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessContext:
    """A live access token and what it grants."""

    token: Token
    grant: Grant
    scopes: list[str]


def _bearer_error(error: str, description: str, scheme: str = "Bearer") -> OAuthError:
    header = f'{scheme} error="{error}", error_description="{description}"'
    if scheme == "DPoP":
        header += f', algs="{" ".join(("ES256", "PS256", "RS256", "EdDSA"))}"'
    return OAuthError(error, description, status=401, headers={"WWW-Authenticate": header})


async def access(
    session: AsyncSession,
    settings: Settings,
    authorization: str,
    dpop_proof: str | None,
    *,
    method: str,
    url: str,
    now: datetime | None = None,
) -> AccessContext:
    """Check an access token at a resource (userinfo): live, and proven by DPoP when bound."""
    now = _now(now)
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if not value or scheme.lower() not in ("bearer", "dpop"):
        raise _bearer_error("invalid_token", "no access token")
    row = await session.get(Token, _hash(value))
    if row is None or row.kind != "access" or row.revoked_at is not None or _aware(row.expires_at) <= now:
        raise _bearer_error(
            "invalid_token",
            "the access token is unknown, revoked or expired",
            "DPoP" if scheme.lower() == "dpop" else "Bearer",
        )
    if row.jkt:
        if scheme.lower() != "dpop" or not dpop_proof:
            raise _bearer_error(
                "invalid_token", "this token is DPoP-bound: use the DPoP scheme and a proof", "DPoP"
            )
        try:
            jkt = await verify_dpop(session, dpop_proof, method=method, url=url, access_token=value, now=now)
        except OAuthError as exc:
            raise _bearer_error("invalid_dpop_proof", exc.description, "DPoP") from exc
        if jkt != row.jkt:
            raise _bearer_error("invalid_token", "the DPoP key is not the one the token is bound to", "DPoP")
    elif scheme.lower() != "bearer":
        raise _bearer_error("invalid_token", "this token is not DPoP-bound: use the Bearer scheme")
    grant = await session.get(Grant, row.grant_id)
    client = await get_client(session, row.client_id)
    if grant is None or grant.revoked_at is not None or client is None:
        raise _bearer_error("invalid_token", "the grant behind this token has ended")
    return AccessContext(row, grant, row.scopes.split())


async def userinfo(
    session: AsyncSession, settings: Settings, context: AccessContext, *, now: datetime | None = None
) -> dict[str, Any]:
    """The claims an access token grants (logged as a release)."""
    now = _now(now)
    claims = await _grant_claims(session, settings, context.grant)
    allowed = {
        "name": ("name", "name#ja-Kana-JP"),
        "address": ("address",),
        "birthdate": ("birthdate",),
        "gender": ("gender",),
    }
    out: dict[str, Any] = {"sub": context.grant.subject}
    for scope, names in allowed.items():
        if scope in context.scopes:
            out.update({n: claims[n] for n in names if n in claims})
    await _record_release(session, context.grant, context.scopes, "userinfo", now)
    return out


async def _own_token(session: AsyncSession, client: OidcClient, value: str) -> Token | None:
    row = await session.get(Token, _hash(value)) if value else None
    return row if row is not None and row.client_id == client.client_id else None


async def revoke(
    session: AsyncSession, settings: Settings, form: dict[str, str], *, now: datetime | None = None
) -> None:
    """RFC 7009: revoke a token of the calling client (a refresh token ends its whole grant).

    A token of another client, or an unknown one, is answered the same (200) and left alone.
    """
    now = _now(now)
    client = await authenticate_client(session, settings, form, endpoint=endpoints(settings).revocation)
    row = await _own_token(session, client, form.get("token") or "")
    if row is None:
        return
    if row.kind == "refresh":
        grant = await session.get(Grant, row.grant_id)
        if grant is not None:
            await _revoke_grant(session, grant, now)
    row.revoked_at = row.revoked_at or now


async def introspect(
    session: AsyncSession, settings: Settings, form: dict[str, str], *, now: datetime | None = None
) -> dict[str, Any]:
    """RFC 7662: what a token of the calling client grants (``active: false`` for any other)."""
    now = _now(now)
    client = await authenticate_client(session, settings, form, endpoint=endpoints(settings).introspection)
    row = await _own_token(session, client, form.get("token") or "")
    grant = await session.get(Grant, row.grant_id) if row else None
    if (
        row is None
        or grant is None
        or row.revoked_at is not None
        or grant.revoked_at is not None
        or (row.kind == "refresh" and row.used_at is not None)
        or _aware(row.expires_at) <= now
    ):
        return {"active": False}
    out: dict[str, Any] = {
        "active": True,
        "iss": endpoints(settings).issuer,
        "client_id": client.client_id,
        "aud": client.client_id,
        "sub": grant.subject,
        "scope": row.scopes,
        "token_type": "DPoP"
        if row.jkt and row.kind == "access"
        else ("Bearer" if row.kind == "access" else "refresh_token"),
        "iat": int(_aware(row.created_at).timestamp()),
        "exp": int(_aware(row.expires_at).timestamp()),
        "acr": grant.acr,
        "auth_time": int(_aware(grant.auth_time).timestamp()),
    }
    if row.jkt:
        out["cnf"] = {"jkt": row.jkt}
    return out


# -- logout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogoutResult:
    """Where to send the browser after an RP-initiated logout, and which platform session ended."""

    redirect: str | None
    session_ids: list[str]
    # (backchannel_logout_uri, logout token) for every RP of the ended sessions, sent after commit
    notifications: list[tuple[str, str]] = field(default_factory=list)


async def logout(
    session: AsyncSession, settings: Settings, params: dict[str, str], *, now: datetime | None = None
) -> LogoutResult:
    """RP-initiated logout: check ``id_token_hint`` (ours, for this client; expiry is no reason to
    refuse), end the tokens of that login, and the redirect to a registered post-logout URI."""
    now = _now(now)
    hint = params.get("id_token_hint") or ""
    client_id = params.get("client_id") or ""
    subject: str | None = None
    sid: str | None = None
    if hint:
        try:
            decoded = jwt.decode(hint, await keys.verification_keys(session), algorithms=[keys.SIGNING_ALG])
        except (JoseError, ValueError) as exc:
            raise invalid_request("id_token_hint is not an ID token of this provider") from exc
        aud = decoded.claims.get("aud")
        if decoded.claims.get("iss") != endpoints(settings).issuer or not isinstance(aud, str):
            raise invalid_request("id_token_hint is not an ID token of this provider")
        if client_id and client_id != aud:
            raise invalid_request("client_id is not the ID token's audience")
        client_id, subject, sid = aud, decoded.claims.get("sub"), decoded.claims.get("sid")
    client = await get_client(session, client_id) if client_id else None
    redirect: str | None = None
    post = params.get("post_logout_redirect_uri")
    if post:
        if client is None or post not in json.loads(client.post_logout_redirect_uris):
            raise invalid_request("post_logout_redirect_uri is not registered for this client")
        redirect = post
        if params.get("state"):
            redirect += ("&" if "?" in post else "?") + urlencode({"state": params["state"]})
    sessions: list[str] = []
    if client is not None and subject is not None:
        grants = await session.scalars(
            select(Grant).where(
                Grant.client_id == client.client_id, Grant.subject == subject, Grant.revoked_at.is_(None)
            )
        )
        for grant in grants:
            if sid and await pairwise(session, settings, client.sector, "sid|" + grant.session_id) != sid:
                continue
            sessions.append(grant.session_id)
            await _revoke_grant(session, grant, now)
        await append_event(session, type="oidc:logout", actor=client.client_id, subject=subject)
    notifications = await _end_sessions(session, settings, sorted(set(sessions)), now)
    return LogoutResult(redirect, sorted(set(sessions)), notifications)


LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


async def _end_sessions(
    session: AsyncSession, settings: Settings, session_ids: list[str], now: datetime
) -> list[tuple[str, str]]:
    """The platform sessions end: every RP's grant made in them ends too, and each RP that
    registered a back-channel logout URI gets a logout token (OIDC Back-Channel Logout 1.0)."""
    if not session_ids:
        return []
    grants = list(
        await session.scalars(
            select(Grant).where(Grant.session_id.in_(session_ids), Grant.revoked_at.is_(None))
        )
    )
    signing = await keys.active_key(session, settings)
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for grant in grants:
        await _revoke_grant(session, grant, now)
        client = await get_client(session, grant.client_id)
        if (
            client is None
            or not client.backchannel_logout_uri
            or (client.client_id, grant.session_id) in seen
        ):
            continue
        seen.add((client.client_id, grant.session_id))
        claims = {
            "iss": endpoints(settings).issuer,
            "aud": client.client_id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=2)).timestamp()),
            "jti": secrets.token_urlsafe(16),
            "sub": grant.subject,
            "sid": await pairwise(session, settings, client.sector, "sid|" + grant.session_id),
            "events": {LOGOUT_EVENT: {}},
        }
        token = jwt.encode(
            {"alg": keys.SIGNING_ALG, "kid": signing.kid, "typ": "logout+jwt"}, claims, signing.key
        )
        out.append((client.backchannel_logout_uri, token))
    return out


# -- the resident's view -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseEntry:
    """One release of facts, for the resident's access history."""

    at: datetime
    client_id: str
    client_name_ja: str
    client_name_en: str
    released: list[str]
    channel: str


@dataclass(frozen=True)
class ConsentEntry:
    """A standing consent the resident can withdraw."""

    client_id: str
    client_name_ja: str
    client_name_en: str
    scopes: list[str]
    granted_at: datetime


async def releases_of(session: AsyncSession, holder_ref: str, *, limit: int = 200) -> list[ReleaseEntry]:
    """The resident's releases of facts, newest first."""
    rows = await session.execute(
        select(Release, OidcClient)
        .join(OidcClient, OidcClient.client_id == Release.client_id)
        .where(Release.holder_ref == holder_ref)
        .order_by(Release.at.desc(), Release.id.desc())
        .limit(limit)
    )
    return [
        ReleaseEntry(_aware(r.at), c.client_id, c.name_ja, c.name_en, r.released.split(), r.channel)
        for r, c in rows
    ]


async def consents_of(session: AsyncSession, holder_ref: str) -> list[ConsentEntry]:
    """The resident's standing consents (latest per relying party, not withdrawn)."""
    rows = await session.execute(
        select(Consent, OidcClient)
        .join(OidcClient, OidcClient.client_id == Consent.client_id)
        .where(Consent.holder_ref == holder_ref, Consent.withdrawn_at.is_(None))
        .order_by(Consent.granted_at.desc())
    )
    seen: dict[str, ConsentEntry] = {}
    for consent, c in rows:
        if c.client_id in seen:
            continue
        seen[c.client_id] = ConsentEntry(
            c.client_id, c.name_ja, c.name_en, consent.scopes.split(), _aware(consent.granted_at)
        )
    return list(seen.values())


async def withdraw(
    session: AsyncSession, holder_ref: str, client_id: str, *, now: datetime | None = None
) -> bool:
    """Withdraw the resident's consent to a relying party: its grants and tokens end at once."""
    now = _now(now)
    consents = list(
        await session.scalars(
            select(Consent).where(
                Consent.holder_ref == holder_ref,
                Consent.client_id == client_id,
                Consent.withdrawn_at.is_(None),
            )
        )
    )
    for consent in consents:
        consent.withdrawn_at = now
    grants = await session.scalars(
        select(Grant).where(
            Grant.holder_ref == holder_ref, Grant.client_id == client_id, Grant.revoked_at.is_(None)
        )
    )
    for grant in grants:
        await _revoke_grant(session, grant, now)
    if consents:
        await append_event(session, type="oidc:consent:withdrawn", actor="resident", subject=client_id)
    return bool(consents)
