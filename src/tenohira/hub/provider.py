"""Provider side: check a request the hub forwarded, and sign the answer.

An agency app does::

    provider = HubProvider(load_member_credentials(settings, "hospital"), settings.hub_clock_skew_seconds)
    provider.install(app)          # signs every answer to a hub-forwarded request

    @app.get("/services/birth-certificate")
    async def birth_certificate(hub: HubRequest = Depends(provider.request)) -> dict:
        record = await find_by_code(hub.subject_code)   # already this member's own code
        ...

``provider.request`` refuses (problem+json, signed) anything not signed by the hub's key,
stale, replayed, or whose body does not match its digest.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request

from tenohira.hub import signatures as hs
from tenohira.hub.pki import HUB_MEMBER_ID, MemberCredentials, public_key
from tenohira.hub.problems import SIGNATURE_REASONS, HubRefusal

HUB_LABEL = "hub"
PROVIDER_LABEL = "provider"
_REQUIRED = hs.components(
    "@method",
    "@authority",
    "@path",
    "@query",
    "content-digest",
    "hub-client",
    "hub-service",
    "hub-purpose",
    "hub-exchange-id",
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class HubRequest:
    """A request the hub forwarded and this provider verified."""

    client_member: str
    service: str
    purpose: str
    subject_code: str | None  # this member's own code for the person (translated by the hub)
    exchange_id: str
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return jsonlib.loads(self.body) if self.body else None


def _refuse(error: hs.SignatureError) -> HubRefusal:
    return HubRefusal.of(SIGNATURE_REASONS.get(error.reason, "hub-bad-signature"), str(error))


class HubProvider:
    """Verifies hub-forwarded requests and signs answers with this member's key."""

    def __init__(self, credentials: MemberCredentials, clock_skew_seconds: int = 30) -> None:
        self.credentials = credentials
        self.skew = clock_skew_seconds
        self._hub_key = public_key(credentials.hub_certificate)
        self._seen: dict[str, float] = {}
        self._since_sweep = 0

    def _fresh(self, nonce: str, now: float) -> bool:
        if self._seen.get(nonce, 0.0) > now:
            return False
        self._seen[nonce] = now + 2 * self.skew
        self._since_sweep += 1
        if self._since_sweep > 10_000:
            self._since_sweep = 0
            self._seen = {k: v for k, v in self._seen.items() if v > now}
        return True

    async def verify(self, request: Request) -> HubRequest:
        """Check the hub's signature on ``request``; raise a HubRefusal otherwise."""
        body = await request.body()
        headers = hs.lower_headers(request.headers.items())
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        message = hs.Message(
            headers=headers,
            method=request.method,
            scheme=request.scope.get("scheme", "http"),
            authority=headers.get("host", ""),
            path=raw_path.decode("latin-1").split("?", 1)[0],
            query=request.scope.get("query_string", b"").decode("latin-1"),
        )
        try:
            received = hs.parse_signature(headers, HUB_LABEL)
        except hs.SignatureError as exc:
            raise _refuse(exc) from exc
        if received.params.keyid != HUB_MEMBER_ID:
            raise HubRefusal.of("hub-unknown-member", "only the hub may call this service")
        now = time.time()
        cert = self.credentials.hub_certificate
        if not (cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp()):
            raise HubRefusal.of("hub-certificate-invalid", "the hub certificate is not valid now")
        required = _REQUIRED
        for optional in ("content-type", "hub-subject"):
            if optional in headers:
                required += hs.components(optional)
        try:
            hs.require_covered(received, required)
        except hs.SignatureError as exc:
            raise _refuse(exc) from exc
        if received.params.alg != hs.ALG:
            raise HubRefusal.of("hub-bad-signature", f'the signature must state alg="{hs.ALG}"')
        created = received.params.created
        if created is None or abs(now - created) > self.skew:
            raise HubRefusal.of("hub-stale-date")
        nonce = received.params.nonce
        if not nonce:
            raise HubRefusal.of("hub-bad-signature", "the signature needs a nonce")
        try:
            hs.verify(message, received, self._hub_key)
            hs.check_content_digest(headers.get("content-digest"), body)
        except hs.SignatureError as exc:
            raise _refuse(exc) from exc
        if not self._fresh(nonce, now):
            raise HubRefusal.of("hub-replay")
        hub_request = HubRequest(
            client_member=headers["hub-client"],
            service=headers["hub-service"],
            purpose=headers["hub-purpose"],
            subject_code=headers.get("hub-subject"),
            exchange_id=headers["hub-exchange-id"],
            body=body,
        )
        request.state.hub_request = hub_request
        return hub_request

    async def request(self, request: Request) -> HubRequest:
        """FastAPI dependency: the verified hub request (``Depends(provider.request)``)."""
        return await self.verify(request)

    def sign_headers(self, status: int, headers: dict[str, str], body: bytes) -> dict[str, str]:
        """Add Content-Digest and this member's signature (label ``provider``) to answer headers.

        ``headers`` are lower-cased and must hold ``hub-exchange-id``.
        """
        headers["content-digest"] = hs.content_digest(body)
        covered = hs.components("@status", "content-digest", "hub-exchange-id")
        if "content-type" in headers:
            covered += hs.components("content-type")
        params = hs.SignatureParams(
            covered=covered, created=int(time.time()), keyid=self.credentials.member_id, alg=hs.ALG
        )
        sig_input, sig = hs.sign(
            hs.Message(status=status, headers=headers),
            params,
            self.credentials.private_key,
            label=PROVIDER_LABEL,
        )
        headers["signature-input"], headers["signature"] = sig_input, sig
        return headers

    def install(self, app: FastAPI) -> None:
        """Sign every answer to a request that carries ``Hub-Exchange-Id`` (refusals included)."""
        app.add_middleware(_SignAnswers, provider=self)


class _SignAnswers:
    """Pure ASGI middleware: buffers the answer to a hub request and signs it."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], provider: HubProvider) -> None:
        self.app = app
        self.provider = provider

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange_id = next((v for k, v in scope["headers"] if k == b"hub-exchange-id"), None)
        if exchange_id is None:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            status = int(start["status"])
            verified = isinstance(scope.get("state", {}).get("hub_request"), HubRequest)
            raw = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length",)]
            if verified or status >= 400:
                headers = hs.lower_headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)
                headers["hub-exchange-id"] = exchange_id.decode("latin-1")
                headers = self.provider.sign_headers(status, headers, body)
                raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            raw.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
