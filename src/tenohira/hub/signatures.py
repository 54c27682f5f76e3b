"""HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530), implemented here.

Only what the hub needs, but by the letter of the RFCs: the signature base is built from
derived components (``@method``, ``@target-uri``, ``@authority``, ``@scheme``,
``@request-target``, ``@path``, ``@query``, ``@status``) and HTTP fields (optionally a
member of a Dictionary field with ``;key``, or a field of the request with ``;req``),
followed by ``@signature-params``. Signatures are ``ecdsa-p256-sha256``: ECDSA over
SHA-256 with the raw ``r || s`` encoding (RFC 9421 §3.3.4), not DER.

Structured fields (Signature-Input, Signature, Content-Digest) are parsed and serialized
by :mod:`tenohira.hub.sfv` (RFC 8941; checked against ``http_sfv`` in the tests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from tenohira.hub.sfv import ParsedInnerList, ParsedItem, parse_dictionary, serialize_member, serialize_params

ALG = "ecdsa-p256-sha256"
_ECDSA = ec.ECDSA(hashes.SHA256())


class SignatureError(Exception):
    """A message cannot be signed or verified as asked; ``reason`` is a stable slug."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- Content-Digest (RFC 9530) ---------------------------------------------------------


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` field value for ``body`` with sha-256."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def check_content_digest(value: str | None, body: bytes) -> None:
    """Raise unless ``value`` carries a sha-256 digest that matches ``body``.

    Other algorithms the sender adds are checked too when we know them (sha-512); unknown
    ones are ignored, as RFC 9530 §2 allows, but sha-256 must be present.
    """
    if not value:
        raise SignatureError("digest-missing", "Content-Digest is missing")
    try:
        parsed = parse_dictionary(value)
    except ValueError as exc:
        raise SignatureError("digest-mismatch", "Content-Digest is not a structured dictionary") from exc
    algorithms = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    if "sha-256" not in parsed:
        raise SignatureError("digest-mismatch", "Content-Digest has no sha-256 member")
    for name, member in parsed.items():
        fn = algorithms.get(name)
        if fn is None:
            continue
        expected = member.value if isinstance(member, ParsedItem) else None
        if not isinstance(expected, bytes) or not hmac.compare_digest(expected, fn(body).digest()):
            raise SignatureError("digest-mismatch", f"Content-Digest {name} does not match the body")


# --- messages and components ---------------------------------------------------------


@dataclass
class Message:
    """What a signature can cover of one HTTP message.

    ``headers`` maps lower-case field names to the combined field value. A response's
    ``request`` is the request it answers (for components with ``;req``).
    """

    headers: Mapping[str, str]
    method: str | None = None
    scheme: str | None = None
    authority: str | None = None
    path: str | None = None
    query: str | None = None
    status: int | None = None
    request: Message | None = None

    @classmethod
    def request_from_url(cls, method: str, url: str, headers: Mapping[str, str]) -> Message:
        """A request message from an absolute URL (``scheme://authority/path?query``)."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return cls(
            headers=lower_headers(headers.items()),
            method=method.upper(),
            scheme=parts.scheme,
            authority=parts.netloc,
            path=parts.path or "/",
            query=parts.query,
        )


def lower_headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Combine field lines into one value per lower-cased name (RFC 9421 §2.1)."""
    out: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        value = value.strip()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def lower_raw_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """:func:`lower_headers` for raw (bytes) field lines, as aiohttp's ``raw_headers`` gives them."""
    return lower_headers((name.decode("latin-1"), value.decode("latin-1")) for name, value in raw)


@dataclass(frozen=True)
class Component:
    """A component identifier: a name with optional ``req`` and ``key`` parameters."""

    name: str
    req: bool = False
    key: str | None = None
    # the identifier as received, so that verification reproduces the signer's parameter order
    raw: str | None = field(default=None, compare=False, hash=False)

    def identifier(self) -> str:
        return self.raw or _identifier(self.name, self.req, self.key)


@lru_cache(maxsize=1024)
def _identifier(name: str, req: bool, key: str | None) -> str:
    params: list[tuple[str, str | bool]] = []
    if key is not None:
        params.append(("key", key))
    if req:
        params.append(("req", True))
    return serialize_member(ParsedItem(name, list(params)))


def components(*names: str | Component) -> tuple[Component, ...]:
    """Component identifiers from plain names (``"@method"``) or ``Component`` objects."""
    return tuple(n if isinstance(n, Component) else Component(n.lower()) for n in names)


def _default_port(scheme: str | None, authority: str) -> str:
    host, sep, port = authority.rpartition(":")
    if sep and ((scheme == "http" and port == "80") or (scheme == "https" and port == "443")):
        return host
    return authority


def component_value(message: Message, component: Component) -> str:
    """The value of one component in ``message`` (RFC 9421 §2.1, §2.2, §2.4)."""
    if component.req:
        if message.request is None:
            raise SignatureError("bad-signature", f"{component.identifier()} needs the request")
        message = message.request
    name = component.name
    if name.startswith("@"):
        return _derived(message, name)
    value = message.headers.get(name)
    if value is None:
        raise SignatureError("bad-signature", f"covered field {name} is absent")
    if component.key is not None:
        try:
            parsed = parse_dictionary(value)
        except ValueError as exc:
            raise SignatureError("bad-signature", f"{name} is not a dictionary") from exc
        if component.key not in parsed:
            raise SignatureError("bad-signature", f"{name} has no member {component.key}")
        return serialize_member(parsed[component.key])
    return value


def _derived(message: Message, name: str) -> str:
    def need(value: Any, what: str) -> Any:
        if value is None:
            raise SignatureError("bad-signature", f"{name} is not available in this message ({what})")
        return value

    if name == "@method":
        return str(need(message.method, "method")).upper()
    if name == "@scheme":
        return str(need(message.scheme, "scheme")).lower()
    if name == "@authority":
        return _default_port(message.scheme, str(need(message.authority, "authority")).lower())
    if name == "@path":
        return str(need(message.path, "path")) or "/"
    if name == "@query":
        return "?" + (message.query or "")
    if name == "@request-target":
        path = str(need(message.path, "path")) or "/"
        return path + ("?" + message.query if message.query else "")
    if name == "@target-uri":
        scheme = str(need(message.scheme, "scheme")).lower()
        authority = _default_port(scheme, str(need(message.authority, "authority")).lower())
        target = (message.path or "/") + ("?" + message.query if message.query else "")
        return f"{scheme}://{authority}{target}"
    if name == "@status":
        return f"{int(need(message.status, 'status')):03d}"
    raise SignatureError("bad-signature", f"derived component {name} is not supported")


# --- signature base, signing, verifying ------------------------------------------------


@dataclass
class SignatureParams:
    """The covered components and parameters of one signature (one Signature-Input member)."""

    covered: tuple[Component, ...]
    created: int | None = None
    expires: int | None = None
    keyid: str | None = None
    nonce: str | None = None
    alg: str | None = None
    tag: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def serialize(self) -> str:
        params: list[tuple[str, Any]] = []
        for key in ("created", "expires", "keyid", "nonce", "alg", "tag"):
            value = getattr(self, key)
            if value is not None:
                params.append((key, value))
        params.extend(self.extra.items())
        return "(" + " ".join(c.identifier() for c in self.covered) + ")" + serialize_params(params)


def signature_base(message: Message, params: SignatureParams, serialized_params: str | None = None) -> bytes:
    """The signature base (RFC 9421 §2.5) of ``message`` for ``params``.

    ``serialized_params`` is the ``@signature-params`` value as received, when verifying;
    otherwise it is serialized from ``params``.
    """
    lines: list[str] = []
    seen: set[str] = set()
    for component in params.covered:
        identifier = component.identifier()
        if identifier in seen:
            raise SignatureError("bad-signature", f"component {identifier} is covered twice")
        seen.add(identifier)
        if component.name == "@signature-params":
            raise SignatureError("bad-signature", "@signature-params cannot be covered")
        value = component_value(message, component)
        if "\n" in value or "\r" in value:
            raise SignatureError("bad-signature", f"{identifier} contains a line break")
        lines.append(f"{identifier}: {value}")
    lines.append(f'"@signature-params": {serialized_params or params.serialize()}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as exc:
        raise SignatureError("bad-signature", "the signature base must be ASCII") from exc


def ecdsa_sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256 signature as the 64-byte ``r || s`` of RFC 9421 §3.3.4."""
    r, s = decode_dss_signature(key.sign(data, _ECDSA))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def ecdsa_verify(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """Check a raw ``r || s`` signature."""
    if len(signature) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, data, _ECDSA)
    except InvalidSignature:
        return False
    return True


def sign(
    message: Message, params: SignatureParams, key: ec.EllipticCurvePrivateKey, *, label: str
) -> tuple[str, str]:
    """Sign ``message``; return the ``Signature-Input`` and ``Signature`` dictionary members.

    Each is ``label=value``; add them to the fields (joined with ``, `` to other members).
    """
    serialized = params.serialize()
    base = signature_base(message, params, serialized)
    value = ecdsa_sign(key, base)
    return f"{label}={serialized}", f"{label}=:{base64.b64encode(value).decode()}:"


def add_signature(headers: dict[str, str], signature_input: str, signature: str) -> None:
    """Append one signature's members to ``Signature-Input`` and ``Signature`` in ``headers``."""
    for name, member in (("signature-input", signature_input), ("signature", signature)):
        headers[name] = f"{headers[name]}, {member}" if headers.get(name) else member


@dataclass
class ReceivedSignature:
    """One signature found on a message, not yet verified."""

    label: str
    params: SignatureParams
    serialized_params: str
    value: bytes


def parse_signature(headers: Mapping[str, str], label: str) -> ReceivedSignature:
    """The signature ``label`` of a message (lower-cased ``headers``), parsed."""
    raw_input = headers.get("signature-input")
    raw_sig = headers.get("signature")
    if not raw_input or not raw_sig:
        raise SignatureError("unsigned", "the message carries no Signature-Input and Signature")
    try:
        inputs = parse_dictionary(raw_input)
        sigs = parse_dictionary(raw_sig)
    except ValueError as exc:
        raise SignatureError("bad-signature", "Signature-Input or Signature is malformed") from exc
    if label not in inputs or label not in sigs:
        raise SignatureError("unsigned", f"no signature labelled {label}")
    inner = inputs[label]
    sig_item = sigs[label]
    if not isinstance(inner, ParsedInnerList) or not isinstance(sig_item, ParsedItem):
        raise SignatureError("bad-signature", f"signature {label} is malformed")
    if not isinstance(sig_item.value, bytes):
        raise SignatureError("bad-signature", f"signature {label} is not a byte sequence")
    covered: list[Component] = []
    for item in inner.items:
        if not isinstance(item.value, str) or type(item.value) is not str:
            raise SignatureError("bad-signature", "a component identifier must be a string")
        item_params = dict(item.params)
        unknown = set(item_params) - {"req", "key"}
        if unknown:
            raise SignatureError("bad-signature", f"component parameters {sorted(unknown)} not supported")
        key = item_params.get("key")
        if key is not None and (not isinstance(key, str) or type(key) is not str):
            raise SignatureError("bad-signature", "a key parameter must be a string")
        req = item_params.get("req", False)
        if not isinstance(req, bool):
            raise SignatureError("bad-signature", "req is a boolean parameter")
        covered.append(Component(item.value, req=req, key=key, raw=serialize_member(item)))
    p = dict(inner.params)

    def opt(name: str, kind: type) -> Any:
        value = p.pop(name, None)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise SignatureError("bad-signature", f"signature parameter {name} has the wrong type")
        return value

    params = SignatureParams(
        covered=tuple(covered),
        created=opt("created", int),
        expires=opt("expires", int),
        keyid=opt("keyid", str),
        nonce=opt("nonce", str),
        alg=opt("alg", str),
        tag=opt("tag", str),
        extra=p,
    )
    return ReceivedSignature(label, params, serialize_member(inner), sig_item.value)


def verify(message: Message, received: ReceivedSignature, key: ec.EllipticCurvePublicKey) -> None:
    """Raise ``SignatureError('bad-signature')`` unless ``received`` verifies over ``message``."""
    if received.params.alg is not None and received.params.alg != ALG:
        raise SignatureError("bad-signature", f"algorithm {received.params.alg} is not accepted")
    base = signature_base(message, received.params, received.serialized_params)
    if not ecdsa_verify(key, received.value, base):
        raise SignatureError("bad-signature", "the signature does not verify")


def require_covered(received: ReceivedSignature, required: Sequence[Component]) -> None:
    """Raise unless every component in ``required`` is covered by the signature."""
    covered = set(received.params.covered)
    missing = [c.identifier() for c in required if c not in covered]
    if missing:
        raise SignatureError("bad-signature", f"the signature must cover {', '.join(missing)}")
