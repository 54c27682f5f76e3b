"""The hub's gate: check a member's signed request before anything else happens, sign answers.

Order of checks (each refusal has its own problem type): signature present and well
formed → key id names a known member → member active → certificate valid → the
signature covers what it must → creation time within the clock-skew window → the
signature verifies → the body matches Content-Digest → the nonce was not used before.
Nonces are reserved only for authentic requests, so no one can fill the table.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from tenohira.hub import signatures as hs
from tenohira.hub.problems import SIGNATURE_REASONS, HubRefusal
from tenohira.hub.runtime import HubState, MemberInfo

REQUEST_LABEL = "sig"
HUB_LABEL = "hub"
PROVIDER_LABEL = "provider"
BASE_REQUEST_COMPONENTS = hs.components("@method", "@authority", "@path", "@query", "content-digest")
HUB_HEADERS = ("hub-client", "hub-service", "hub-purpose", "hub-subject", "hub-exchange-id", "hub-provider")


def refusal_from(error: hs.SignatureError) -> HubRefusal:
    return HubRefusal.of(SIGNATURE_REASONS.get(error.reason, "hub-bad-signature"), str(error))


def request_message(request: Request, headers: dict[str, str]) -> hs.Message:
    """The signed view of an incoming request: the path as the client sent it (raw, mount included)."""
    scope = request.scope
    raw_path = scope.get("raw_path") or scope["path"].encode()
    path = raw_path.decode("latin-1").split("?", 1)[0]
    return hs.Message(
        headers=headers,
        method=scope["method"],
        scheme=scope.get("scheme", "http"),
        authority=headers.get("host", ""),
        path=path,
        query=scope.get("query_string", b"").decode("latin-1"),
    )


@dataclass
class Caller:
    """An authenticated member request."""

    member: MemberInfo
    message: hs.Message
    body: bytes
    nonce: str


def check_signature_params(
    received: hs.ReceivedSignature, required: tuple[hs.Component, ...], skew: int, now: float
) -> None:
    """The parts of a signature every receiver checks: coverage, algorithm, times, nonce."""
    try:
        hs.require_covered(received, required)
    except hs.SignatureError as exc:
        raise refusal_from(exc) from exc
    if received.params.alg != hs.ALG:
        raise HubRefusal.of("hub-bad-signature", f'the signature must state alg="{hs.ALG}"')
    created = received.params.created
    if created is None:
        raise HubRefusal.of("hub-stale-date", "the signature has no created parameter")
    if abs(now - created) > skew:
        raise HubRefusal.of("hub-stale-date", f"created is more than {skew}s from the hub's clock")
    if received.params.expires is not None and received.params.expires < now:
        raise HubRefusal.of("hub-stale-date", "the signature has expired")


async def authenticate(state: HubState, request: Request, *, exchange: bool) -> Caller:
    """Check a member's signed request; return the caller or raise a precise refusal."""
    body = await request.body()
    headers = hs.lower_headers(request.headers.items())
    message = request_message(request, headers)
    try:
        received = hs.parse_signature(headers, REQUEST_LABEL)
    except hs.SignatureError as exc:
        raise refusal_from(exc) from exc
    directory = await state.directory()
    member = directory.members.get(received.params.keyid or "")
    if member is None:
        raise HubRefusal.of("hub-unknown-member")
    if member.status == "suspended":
        raise HubRefusal.of("hub-member-suspended")
    if member.status != "active":
        raise HubRefusal.of("hub-member-revoked")
    now = time.time()
    if member.not_after.timestamp() < now:
        raise HubRefusal.of("hub-certificate-invalid", "the member certificate has expired")
    required = BASE_REQUEST_COMPONENTS
    if "content-type" in headers:
        required += hs.components("content-type")
    if exchange:
        required += hs.components("hub-purpose")
    if "hub-subject" in headers:
        required += hs.components("hub-subject")
    check_signature_params(received, required, state.settings.hub_clock_skew_seconds, now)
    nonce = received.params.nonce
    if not nonce or len(nonce) > 128:
        raise HubRefusal.of("hub-bad-signature", "the signature needs a nonce of at most 128 characters")
    try:
        hs.verify(message, received, member.public_key)
        hs.check_content_digest(headers.get("content-digest"), body)
    except hs.SignatureError as exc:
        raise refusal_from(exc) from exc
    if not await state.nonces.reserve(member.id, nonce):
        raise HubRefusal.of("hub-replay")
    return Caller(member=member, message=message, body=body, nonce=nonce)


def sign_response(
    state: HubState,
    *,
    status: int,
    body: bytes,
    media_type: str | None,
    request: hs.Message | None,
    extra: dict[str, str] | None = None,
    signatures: tuple[str, str] | None = None,
) -> Response:
    """A response signed by the hub, bound to the request's signature when it had one.

    ``signatures`` carries another signer's Signature-Input / Signature members (the
    provider's) to pass on beside the hub's own.
    """
    headers: dict[str, str] = {"content-digest": hs.content_digest(body)}
    if media_type:
        headers["content-type"] = media_type
    headers.update(extra or {})
    covered = hs.components("@status", *[n for n in ("content-type", "content-digest") if n in headers])
    covered += hs.components(*[n for n in HUB_HEADERS if n in headers])
    bound = hs.Component("signature", req=True, key=REQUEST_LABEL)
    if request is not None:
        try:
            hs.component_value(hs.Message(headers={}, request=request), bound)
            covered += (bound,)
        except hs.SignatureError:
            pass  # an unsigned or malformed request: the refusal is signed but cannot be bound
    if signatures:
        headers["signature-input"], headers["signature"] = signatures
    params = hs.SignatureParams(
        covered=covered, created=int(time.time()), keyid=state.credentials.member_id, alg=hs.ALG
    )
    message = hs.Message(status=status, headers=headers, request=request)
    sig_input, sig = hs.sign(message, params, state.credentials.private_key, label=HUB_LABEL)
    hs.add_signature(headers, sig_input, sig)
    return Response(content=body, status_code=status, headers=headers)


def new_exchange_id() -> str:
    """A random exchange id (base32, so it can never look like an individual number)."""
    return base64.b32encode(secrets.token_bytes(15)).decode().lower()
