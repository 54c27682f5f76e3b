"""What one log entry is, and its canonical leaf encoding (the bytes that are hashed into the tree).

The leaf is canonical JSON (sorted keys, no spaces, UTF-8) of the entry's fields, so a client that
fetches an entry over HTTP can rebuild the exact bytes and check its inclusion proof itself::

    {"actor":"card:1A2B","attributes":{"outcome":"ok"},"payload_sha256":null,
     "subject":null,"time":"2026-11-26T08:00:00.123456Z","type":"card:auth:success","v":1}
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]

from tenohira.audit.merkle import leaf_hash
from tenohira.core.identifiers import individual_number_check_digit

LEAF_VERSION = 1
MAX_TYPE = 64
MAX_REF = 128
MAX_ATTRIBUTES = 16
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 256

_TYPE_RE = re.compile(r"^[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)*$")
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


class InvalidAuditEvent(ValueError):
    """An event that must not go into the log (malformed, too large, or carrying personal data)."""


@dataclass(frozen=True)
class AuditEvent:
    """One event to append: references only, never personal data in clear."""

    type: str
    actor: str
    subject: str | None = None
    payload: bytes | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def normalise_time(value: datetime) -> datetime:
    """UTC, microsecond precision; a naive value (SQLite hands those back) is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(value: datetime) -> str:
    """The time as it appears in the leaf: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return normalise_time(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _looks_like_individual_number(text: str) -> bool:
    # A 12-digit run with a valid check digit is treated as an individual number (個人番号): the
    # log is public to auditors, so it must never hold one, even by a caller's mistake.
    for match in _TWELVE_DIGITS.finditer(text):
        digits = match.group(0)
        if individual_number_check_digit(digits[:11]) == int(digits[11]):
            return True
    return False


def check_event(event: AuditEvent) -> None:
    """Raise :class:`InvalidAuditEvent` if ``event`` is malformed or carries an individual number."""
    if not event.type or len(event.type) > MAX_TYPE or not _TYPE_RE.match(event.type):
        raise InvalidAuditEvent(f"event type {event.type!r} must be like 'card:auth:success' (≤ {MAX_TYPE})")
    if not event.actor or len(event.actor) > MAX_REF:
        raise InvalidAuditEvent(f"actor must be a non-empty reference of at most {MAX_REF} characters")
    if event.subject is not None and (not event.subject or len(event.subject) > MAX_REF):
        raise InvalidAuditEvent(f"subject must be a non-empty reference of at most {MAX_REF} characters")
    if len(event.attributes) > MAX_ATTRIBUTES:
        raise InvalidAuditEvent(f"at most {MAX_ATTRIBUTES} attributes")
    texts = [event.actor, event.subject or ""]
    for key, value in event.attributes.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidAuditEvent("attribute keys and values must be strings")
        if not key or len(key) > MAX_ATTRIBUTE_KEY or len(value) > MAX_ATTRIBUTE_VALUE:
            raise InvalidAuditEvent(
                f"attribute {key!r}: key 1..{MAX_ATTRIBUTE_KEY}, value ≤ {MAX_ATTRIBUTE_VALUE} characters"
            )
        texts += [key, value]
    # One scan over all fields (NUL-separated so digits never join across fields).
    if _looks_like_individual_number("\x00".join(texts)):
        raise InvalidAuditEvent("an individual number (個人番号) must never be written to the audit log")


def payload_digest(payload: bytes | None) -> bytes | None:
    """SHA-256 of the payload (only the digest is stored)."""
    return None if payload is None else hashlib.sha256(payload).digest()


def encode_leaf(
    *,
    type: str,
    actor: str,
    subject: str | None,
    time: datetime | str,
    digest: bytes | None,
    attributes: dict[str, str],
) -> bytes:
    """The canonical leaf bytes of an entry (``time`` as a datetime, or already :func:`format_time`-ed).

    Byte for byte ``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
    (see :func:`reference_encode_leaf`), written out by hand because appends are hot: the keys are
    fixed, so only the values need encoding.
    """
    attrs = ",".join(f"{encode_basestring(k)}:{encode_basestring(v)}" for k, v in sorted(attributes.items()))
    return (
        f'{{"actor":{encode_basestring(actor)},"attributes":{{{attrs}}},'
        f'"payload_sha256":{"null" if digest is None else chr(34) + digest.hex() + chr(34)},'
        f'"subject":{"null" if subject is None else encode_basestring(subject)},'
        f'"time":"{time if isinstance(time, str) else format_time(time)}",'
        f'"type":{encode_basestring(type)},"v":{LEAF_VERSION}}}'
    ).encode()


def reference_encode_leaf(
    *,
    type: str,
    actor: str,
    subject: str | None,
    time: datetime,
    digest: bytes | None,
    attributes: dict[str, str],
) -> bytes:
    """The definition of the leaf encoding (slow; tests hold :func:`encode_leaf` to it)."""
    doc = {
        "v": LEAF_VERSION,
        "type": type,
        "actor": actor,
        "subject": subject,
        "time": format_time(time),
        "payload_sha256": None if digest is None else digest.hex(),
        "attributes": attributes,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_leaf_hash(
    *,
    type: str,
    actor: str,
    subject: str | None,
    time: datetime | str,
    digest: bytes | None,
    attributes: dict[str, str],
) -> bytes:
    """RFC 9162 leaf hash of an entry: ``SHA-256(0x00 || canonical leaf)``."""
    return leaf_hash(
        encode_leaf(type=type, actor=actor, subject=subject, time=time, digest=digest, attributes=attributes)
    )
