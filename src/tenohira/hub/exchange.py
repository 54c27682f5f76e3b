"""One exchange: check, translate the subject, forward over HTTP, check the answer, log, sign."""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from tenohira.audit import AuditEvent, note_refusal
from tenohira.hub import signatures as hs
from tenohira.hub.gate import (
    HUB_LABEL,
    PROVIDER_LABEL,
    Caller,
    authenticate,
    check_signature_params,
    new_exchange_id,
    refusal_from,
    sign_response,
)
from tenohira.hub.problems import HubRefusal
from tenohira.hub.runtime import ForwardError, HubState, MemberInfo, ServiceInfo
from tenohira.hub.service import history_entry, subject_vault_id
from tenohira.hub.sfv import parse_dictionary, serialize_member

FORWARD_TIMEOUT = 15.0
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
_SERVICE = re.compile(r"^[a-z0-9.-]{1,128}$")


def _digest_value(header: str | None) -> str:
    """The sha-256 member of a Content-Digest, for the log (no body is ever logged)."""
    if not header:
        return ""
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "sha-256":
            return value.strip(":")
    return ""


async def _forward(
    state: HubState,
    caller: Caller,
    provider: MemberInfo,
    service: ServiceInfo,
    purpose: str,
    provider_code: str | None,
    exchange_id: str,
) -> tuple[int, bytes, dict[str, str], tuple[str, str]]:
    """Send the exchange to the provider, signed by the hub; check and return its signed answer."""
    assert provider.base_url
    url = provider.base_url + service.path
    headers = {
        "content-digest": caller.message.headers["content-digest"],
        "hub-client": caller.member.id,
        "hub-service": service.id,
        "hub-purpose": purpose,
        "hub-exchange-id": exchange_id,
    }
    if "content-type" in caller.message.headers:
        headers["content-type"] = caller.message.headers["content-type"]
    if provider_code is not None:
        headers["hub-subject"] = provider_code
    message = hs.Message.request_from_url(service.method, url, headers)
    covered = hs.components("@method", "@authority", "@path", "@query", *[n for n in headers if n != "host"])
    params = hs.SignatureParams(
        covered=covered,
        created=int(time.time()),
        keyid=state.credentials.member_id,
        nonce=new_exchange_id(),
        alg=hs.ALG,
    )
    sig_input, sig = hs.sign(message, params, state.credentials.private_key, label=HUB_LABEL)
    headers["signature-input"], headers["signature"] = sig_input, sig
    try:
        response = await state.send(service.method, url, caller.body, headers, FORWARD_TIMEOUT)
    except ForwardError as exc:
        raise HubRefusal.of("hub-provider-unavailable", str(exc)) from exc
    body = response.body
    answer = response.headers
    try:
        received = hs.parse_signature(answer, PROVIDER_LABEL)
    except hs.SignatureError as exc:
        raise HubRefusal.of("hub-provider-invalid", f"provider answer: {exc}") from exc
    if received.params.keyid != provider.id:
        raise HubRefusal.of("hub-provider-invalid", "provider answer signed by another key")
    required = hs.components("@status", "content-digest", "hub-exchange-id")
    if "content-type" in answer:
        required += hs.components("content-type")
    try:
        check_signature_params(received, required, state.settings.hub_clock_skew_seconds, time.time())
        hs.verify(hs.Message(status=response.status, headers=answer), received, provider.public_key)
        hs.check_content_digest(answer.get("content-digest"), body)
    except HubRefusal as exc:
        raise HubRefusal.of("hub-provider-invalid", f"provider answer: {exc.detail}") from exc
    except hs.SignatureError as exc:
        raise HubRefusal.of("hub-provider-invalid", f"provider answer: {refusal_from(exc).detail}") from exc
    if answer.get("hub-exchange-id") != exchange_id:
        raise HubRefusal.of("hub-provider-invalid", "provider answer is for another exchange")
    passed_on = (
        f"{PROVIDER_LABEL}={received.serialized_params}",
        _member(answer["signature"], PROVIDER_LABEL),
    )
    return response.status, body, answer, passed_on


def _member(field_value: str, label: str) -> str:
    return f"{label}={serialize_member(parse_dictionary(field_value)[label])}"


async def handle_exchange(state: HubState, service_id: str, request: Request) -> Response:
    """The whole exchange; every outcome, allowed or refused, goes to the exchange log."""
    exchange_id = new_exchange_id()
    started = datetime.now(UTC)
    caller: Caller | None = None
    service: ServiceInfo | None = None
    purpose = request.headers.get("hub-purpose", "")
    # what an unauthenticated caller sent goes to the log only if it has the expected shape
    purpose = purpose if _SLUG.match(purpose) else ""
    service_id = service_id if _SERVICE.match(service_id) else "invalid"
    subject_ref: str | None = None
    try:
        caller = await authenticate(state, request, exchange=True)
        directory = await state.directory()
        service = directory.services.get(service_id)
        if service is None:
            raise HubRefusal.of("hub-unknown-service")
        if service.method != request.method:
            raise HubRefusal.of("hub-method-mismatch", f"call {service_id} with {service.method}")
        right = directory.rights.get((caller.member.id, service.id, purpose))
        if right is None:
            raise HubRefusal.of("hub-no-access-right")
        provider = directory.members.get(service.provider_id)
        if provider is None or provider.status != "active" or not provider.base_url:
            raise HubRefusal.of("hub-provider-unavailable", "the provider is not active")
        subject_id: str | None = None
        provider_code: str | None = None
        code = caller.message.headers.get("hub-subject")
        if code:
            subject_ref = f"{caller.member.id}:{code[:64]}"
            subject_id = await state.subject_of(caller.member.id, code)
            provider_code = await state.code_for(provider.id, subject_id)
        status, body, answer, provider_sig = await _forward(
            state, caller, provider, service, purpose, provider_code, exchange_id
        )
    except HubRefusal as refusal:
        if caller is None:
            # a stranger (no valid member signature): counted per source and minute, not logged alone
            host = request.client.host if request.client else None
            note_refusal("hub:exchange", host, refusal.slug, settings=state.settings)
        else:
            await _log(state, exchange_id, caller, service_id, purpose, subject_ref, refusal=refusal.slug)
        raise
    third_party = service.reveals_third_party or right.reveals_third_party
    history = None
    if subject_id is not None:
        history = history_entry(
            exchange_id=exchange_id,
            subject_id=subject_id,
            at=started,
            client_id=caller.member.id,
            provider_id=provider.id,
            service_id=service.id,
            purpose=purpose,
            legal_basis=right.legal_basis,
            status=status,
            third_party=third_party,
        )
    full = caller.member.log_mode == "full-digest" and provider.log_mode == "full-digest"
    request_digest = response_digest = None
    keyed = False
    if full and subject_id is not None:
        # about a person: a digest keyed by the subject's vault key, so that once the subject is
        # erased (key shredded) a guessed body can no longer be linked to this entry
        vault = await state.vault()
        person = subject_vault_id(subject_id)
        request_digest = base64.b64encode(vault.person_digest(person, caller.body)).decode()
        response_digest = base64.b64encode(vault.person_digest(person, body)).decode()
        keyed = True
    elif full:
        request_digest = _digest_value(caller.message.headers.get("content-digest"))
        response_digest = _digest_value(answer.get("content-digest"))
    await _log(
        state,
        exchange_id,
        caller,
        service_id,
        purpose,
        subject_ref,
        status=status,
        legal_basis=right.legal_basis,
        request_digest=request_digest,
        response_digest=response_digest,
        keyed=keyed,
        history=history,
    )
    return sign_response(
        state,
        status=status,
        body=body,
        media_type=answer.get("content-type"),
        request=caller.message,
        extra={"hub-exchange-id": exchange_id, "hub-provider": provider.id},
        signatures=provider_sig,
    )


async def _log(
    state: HubState,
    exchange_id: str,
    caller: Caller | None,
    service_id: str,
    purpose: str,
    subject_ref: str | None,
    *,
    refusal: str | None = None,
    status: int | None = None,
    legal_basis: str | None = None,
    request_digest: str | None = None,
    response_digest: str | None = None,
    keyed: bool = False,
    history: dict[str, Any] | None = None,
) -> None:
    attributes = {
        "exchange_id": exchange_id,
        "service": service_id[:128],
        "purpose": purpose,
        "outcome": f"refused:{refusal}" if refusal else "forwarded",
    }
    if status is not None:
        attributes["status"] = str(status)
    if legal_basis:
        attributes["legal_basis"] = legal_basis[:256]
    # keyed: HMAC-SHA-256 under a key derived from the subject's vault data key (person_digest);
    # otherwise the SHA-256 of the body (exchanges about no one)
    kind = "hmac" if keyed else "sha256"
    if request_digest:
        attributes[f"request_{kind}"] = request_digest
    if response_digest:
        attributes[f"response_{kind}"] = response_digest
    event = AuditEvent(
        type="hub:exchange",
        # an unauthenticated caller is not named by what it claims
        actor=caller.member.id if caller else "unauthenticated",
        subject=subject_ref,
        attributes=attributes,
    )
    await state.recorder.record(event, history)
