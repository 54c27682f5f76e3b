"""Member side: call the hub with signed requests and check its signed answers.

::

    client = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)
    answer = await client.call("municipality.basic-facts", subject_code=code, purpose="prefill")
    facts = answer.json()

Every request carries Content-Digest (sha-256) and an RFC 9421 signature (label ``sig``)
over method, authority, path, query, digest, content type, purpose and subject, with a
fresh nonce. Every answer must carry the hub's signature (label ``hub``) bound to that
request's signature; the provider's own signature (label ``provider``) is checked too
when the answer came from a provider.
"""

from __future__ import annotations

import json as jsonlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tenohira.hub import signatures as hs
from tenohira.hub.http import signed_session
from tenohira.hub.pki import MemberCredentials, load_cert, public_key, verify_issued_by

REQUEST_LABEL = "sig"


class HubResponseError(Exception):
    """The hub's answer could not be trusted (missing or bad signature, digest mismatch)."""


class HubError(Exception):
    """The hub or the provider refused: ``problem`` is the problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('type')}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.problem = problem

    @property
    def type(self) -> str:
        return str(self.problem.get("type", ""))


@dataclass
class HubResponse:
    """A verified answer through the hub."""

    status: int
    headers: dict[str, str]
    content: bytes
    exchange_id: str | None
    provider: str | None

    @property
    def ok(self) -> bool:
        return self.status < 400

    def json(self) -> Any:
        return jsonlib.loads(self.content) if self.content else None

    @property
    def problem(self) -> dict[str, Any] | None:
        """The problem+json body of a refusal, else None."""
        if self.ok or "json" not in self.headers.get("content-type", ""):
            return None
        body = self.json()
        return body if isinstance(body, dict) else None

    def raise_for_problem(self) -> HubResponse:
        """Raise :class:`HubError` for a refusal; return self otherwise."""
        if not self.ok:
            raise HubError(
                self.status, self.problem or {"title": self.content[:200].decode(errors="replace")}
            )
        return self


@dataclass
class _Raw:
    """An HTTP answer as received: status, headers combined per RFC 9421 §2.1, body."""

    status: int
    headers: dict[str, str]
    body: bytes


class _Aiohttp:
    """The default transport: aiohttp, whose C parser costs a fraction of httpx's per request.

    The session belongs to the event loop that first uses it (created lazily, so a client
    may be built outside a loop).
    """

    def __init__(self, timeout: float, pool: int) -> None:
        self.timeout = timeout
        self.pool = pool
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = signed_session(limit=self.pool, total=self.timeout)
        return self._session

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> _Raw:
        try:
            async with self._open().request(method, url, data=body or None, headers=headers) as response:
                content = await response.read()
                combined = hs.lower_raw_headers(response.raw_headers)
                return _Raw(response.status, combined, content)
        except TimeoutError as exc:
            raise httpx.TimeoutException(f"{method} {url}: timed out") from exc
        except aiohttp.ClientError as exc:
            raise httpx.TransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Httpx:
    """httpx, for an injected transport (tests in-process through ``httpx.ASGITransport``)."""

    def __init__(self, transport: httpx.AsyncBaseTransport, timeout: float) -> None:
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> _Raw:
        response = await self._http.request(method, url, content=body, headers=headers)
        return _Raw(response.status_code, hs.lower_headers(response.headers.multi_items()), response.content)

    async def aclose(self) -> None:
        await self._http.aclose()


class HubClient:
    """A member's client of the hub (one keep-alive connection pool per client).

    Transport errors surface as ``httpx.TransportError`` / ``httpx.TimeoutException`` whichever
    transport carries the request, so callers handle one family of exceptions.
    """

    def __init__(
        self,
        member_id: str,
        private_key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        hub_url: str,
        *,
        hub_certificate: x509.Certificate | None = None,
        member_ca: x509.Certificate | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify_provider: bool = True,
        timeout: float = 20.0,
        pool: int = 100,
    ) -> None:
        self.member_id = member_id
        self.private_key = private_key
        self.certificate = certificate
        self.hub_url = hub_url.rstrip("/")
        self.hub_certificate = hub_certificate
        self.member_ca = member_ca
        self.verify_provider = verify_provider and member_ca is not None
        self._http: _Aiohttp | _Httpx = (
            _Httpx(transport, timeout) if transport is not None else _Aiohttp(timeout, pool)
        )
        self._provider_keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self._hub_public: tuple[x509.Certificate, ec.EllipticCurvePublicKey] | None = None

    @classmethod
    def from_credentials(cls, credentials: MemberCredentials, hub_url: str, **kwargs: Any) -> HubClient:
        """A client from the credentials bootstrap stored (key, certificate, hub cert, member CA)."""
        options: dict[str, Any] = {
            "hub_certificate": credentials.hub_certificate,
            "member_ca": credentials.member_ca,
            **kwargs,
        }
        return cls(
            credentials.member_id, credentials.private_key, credentials.certificate, hub_url, **options
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # --- signing and checking ---------------------------------------------------------

    def signed_headers(
        self,
        method: str,
        url: str,
        body: bytes,
        extra: dict[str, str],
        *,
        nonce: str | None = None,
        created: int | None = None,
    ) -> dict[str, str]:
        """The headers of a signed request (exposed for tests and tools)."""
        headers = {"content-digest": hs.content_digest(body), **{k.lower(): v for k, v in extra.items()}}
        if body:
            headers.setdefault("content-type", "application/json")
        message = hs.Message.request_from_url(method, url, headers)
        covered = hs.components("@method", "@authority", "@path", "@query", *headers)
        params = hs.SignatureParams(
            covered=covered,
            created=int(time.time()) if created is None else created,
            keyid=self.member_id,
            nonce=nonce or secrets.token_urlsafe(18),
            alg=hs.ALG,
        )
        sig_input, sig = hs.sign(message, params, self.private_key, label=REQUEST_LABEL)
        headers["signature-input"], headers["signature"] = sig_input, sig
        return headers

    async def _hub_key(self) -> ec.EllipticCurvePublicKey:
        if self.hub_certificate is None:
            # trust on first use; prefer giving the client the hub certificate from its credentials
            answer = await self._http.request("GET", f"{self.hub_url}/certificate.pem", b"", {})
            self.hub_certificate = load_cert(answer.body)
        if self._hub_public is None or self._hub_public[0] is not self.hub_certificate:
            self._hub_public = (self.hub_certificate, public_key(self.hub_certificate))
        return self._hub_public[1]

    async def _provider_key(self, member_id: str) -> ec.EllipticCurvePublicKey:
        key = self._provider_keys.get(member_id)
        if key is None:
            url = f"{self.hub_url}/members/{member_id}/certificate.pem"
            answer = await self._http.request("GET", url, b"", {})
            if answer.status != 200:
                raise HubResponseError(f"no certificate for provider {member_id}")
            cert = load_cert(answer.body)
            assert self.member_ca is not None
            try:
                verify_issued_by(cert, self.member_ca)
            except ValueError as exc:
                raise HubResponseError(f"provider certificate: {exc}") from exc
            key = self._provider_keys[member_id] = public_key(cert)
        return key

    async def _check(self, request: hs.Message, response: _Raw) -> HubResponse:
        headers = response.headers
        body = response.body
        try:
            received = hs.parse_signature(headers, "hub")
            if received.params.keyid != "hub" or received.params.alg != hs.ALG:
                raise HubResponseError("the answer is not signed by the hub")
            hs.require_covered(
                received,
                (*hs.components("@status", "content-digest"), hs.Component("signature", req=True, key="sig")),
            )
            message = hs.Message(status=response.status, headers=headers, request=request)
            hs.verify(message, received, await self._hub_key())
            hs.check_content_digest(headers.get("content-digest"), body)
            provider = headers.get("hub-provider")
            if provider and self.verify_provider:
                signed = hs.parse_signature(headers, "provider")
                if signed.params.keyid != provider:
                    raise HubResponseError("the provider signature names another member")
                hs.verify(
                    hs.Message(status=response.status, headers=headers),
                    signed,
                    await self._provider_key(provider),
                )
        except hs.SignatureError as exc:
            raise HubResponseError(f"the hub's answer failed verification: {exc}") from exc
        return HubResponse(
            status=response.status,
            headers=headers,
            content=body,
            exchange_id=headers.get("hub-exchange-id"),
            provider=headers.get("hub-provider"),
        )

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> HubResponse:
        """A signed request to ``hub_url + path``; the verified answer (refusals are answers too)."""
        body = (
            b"" if json is None else jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
        )
        url = self.hub_url + path + ("?" + urlencode(params) if params else "")
        signed = self.signed_headers(method, url, body, headers or {})
        request = hs.Message.request_from_url(method, url, signed)
        response = await self._http.request(method, url, body, signed)
        return await self._check(request, response)

    # --- what members do --------------------------------------------------------------

    async def call(
        self,
        service: str,
        *,
        subject_code: str | None,
        purpose: str,
        json: Any = None,
        method: str | None = None,
    ) -> HubResponse:
        """Call ``service`` (``<provider>.<name>``) about the person ``subject_code`` (this member's code).

        ``method`` defaults to POST with a body and GET without. Refusals come back as a
        (verified) HubResponse with problem+json; use ``raise_for_problem()`` to raise.
        """
        extra = {"hub-purpose": purpose}
        if subject_code is not None:
            extra["hub-subject"] = subject_code
        return await self.send(
            method or ("POST" if json is not None else "GET"),
            f"/exchange/{service}",
            json=json,
            headers=extra,
        )

    async def services(self) -> list[dict[str, Any]]:
        """The services this member may call, with their purposes (like X-Road allowedMethods)."""
        answer = (await self.send("GET", "/services")).raise_for_problem().json()
        return list(answer["services"])

    async def register_subject(self) -> str:
        """Register a new person this member knows (role register-subjects); returns its code."""
        return str((await self.send("POST", "/subjects", json={})).raise_for_problem().json()["code"])

    async def introduce(self, code: str, member: str) -> str:
        """A ticket by which ``member`` can learn its own code for the person ``code`` names."""
        answer = await self.send("POST", "/subjects/introductions", json={"code": code, "member": member})
        return str(answer.raise_for_problem().json()["ticket"])

    async def redeem(self, ticket: str) -> str:
        """This member's code for the person an introduction ticket names."""
        answer = await self.send("POST", "/subjects", json={"ticket": ticket})
        return str(answer.raise_for_problem().json()["code"])

    async def link_card(self, code: str, card_serial: str) -> None:
        """Link a card's authentication certificate serial to the person (at card issuance)."""
        answer = await self.send("POST", "/subjects/cards", json={"code": code, "card_serial": card_serial})
        answer.raise_for_problem()

    async def unlink_card(self, card_serial: str) -> None:
        """Stop resolving a revoked card."""
        (
            await self.send("POST", "/subjects/cards/revoke", json={"card_serial": card_serial})
        ).raise_for_problem()

    async def resolve_card(self, card_serial: str) -> str:
        """This member's code for the holder of an authenticated card."""
        answer = await self.send("POST", "/subjects/resolve-card", json={"card_serial": card_serial})
        return str(answer.raise_for_problem().json()["code"])

    async def history(self, code: str, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """The person's access history (role read-history: the palm), newest first."""
        answer = await self.send(
            "GET", "/history", params={"code": code, "limit": str(limit), "offset": str(offset)}
        )
        return list(answer.raise_for_problem().json()["entries"])

    async def publish_event(
        self,
        topic: str,
        *,
        event_id: str,
        subject_code: str | None,
        payload: dict[str, Any],
        occurred_at: str | None = None,
    ) -> dict[str, Any]:
        """Publish an event through the hub (the hub checks this member may publish ``topic``).

        ``event_id`` is this member's own id for the event (its outbox id): publishing it again
        is answered with ``duplicate: true`` and delivers nothing twice. ``subject_code`` is this
        member's code for the person; each subscriber receives its own code.
        """
        body: dict[str, Any] = {"event_id": event_id, "topic": topic, "payload": payload}
        if occurred_at is not None:
            body["occurred_at"] = occurred_at
        headers = {"hub-subject": subject_code} if subject_code else {}
        answer = await self.send("POST", "/events", json=body, headers=headers)
        return dict(answer.raise_for_problem().json())
