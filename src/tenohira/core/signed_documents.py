"""Signed application documents: canonical JSON, the manifest signed once over a set, checks.

Neutral ground for the palm (which builds documents and manifests) and the deciding agencies
(which check them): the two never import each other. No signature code here — the card signs
the manifest bytes (detached CMS, ``tenohira.identity``); the agency verifies that signature and
then :func:`check_envelope` ties its own document to the signed manifest.

A document carries a random 128-bit nonce, so its SHA-256 in the manifest reveals nothing about
documents an agency does not receive.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

DOCUMENT_TYPE = "tenohira-application/1"
MANIFEST_TYPE = "tenohira-application-manifest/1"


class EnvelopeError(ValueError):
    """The document or manifest is malformed or does not match (``reason`` is a slug)."""

    def __init__(self, reason: str, message: str, message_ja: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.message_ja = message_ja


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value: sorted keys, no spaces, UTF-8 (the signed bytes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def new_nonce() -> str:
    """A random 128-bit nonce (hex) for a document."""
    return secrets.token_hex(16)


def build_document(
    *,
    application_id: str,
    procedure: str,
    deciding_agency: str,
    fields: dict[str, Any],
    flags: list[str],
    prepared_at: str,
    nonce: str | None = None,
) -> bytes:
    """The canonical bytes of one application document."""
    return canonical_json(
        {
            "type": DOCUMENT_TYPE,
            "application_id": application_id,
            "procedure": procedure,
            "deciding_agency": deciding_agency,
            "fields": fields,
            "flags": flags,
            "prepared_at": prepared_at,
            "nonce": nonce or new_nonce(),
        }
    )


@dataclass(frozen=True)
class ManifestEntry:
    """One application of a signed set: its id, procedure, deciding agency and document digest."""

    application_id: str
    procedure: str
    agency: str
    sha256: str


def build_manifest(bundle_id: str, entries: list[ManifestEntry], created_at: str) -> bytes:
    """The canonical bytes the resident signs once for the whole set."""
    return canonical_json(
        {
            "type": MANIFEST_TYPE,
            "bundle": bundle_id,
            "created_at": created_at,
            "entries": [
                {
                    "application": e.application_id,
                    "procedure": e.procedure,
                    "agency": e.agency,
                    "sha256": e.sha256,
                }
                for e in sorted(entries, key=lambda e: e.application_id)
            ],
        }
    )


def _loads(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EnvelopeError(
            f"{what}-malformed", f"The {what} is not JSON", f"{what} が JSON ではありません"
        ) from exc
    if not isinstance(value, dict) or canonical_json(value) != data:
        raise EnvelopeError(
            f"{what}-malformed",
            f"The {what} is not in canonical form",
            f"{what} の形式が正規形ではありません",
        )
    return value


def parse_manifest(data: bytes) -> list[ManifestEntry]:
    """The entries of a manifest (raises :class:`EnvelopeError` if malformed)."""
    value = _loads(data, "manifest")
    if value.get("type") != MANIFEST_TYPE or not isinstance(value.get("entries"), list):
        raise EnvelopeError(
            "manifest-malformed", "Not an application manifest", "申請マニフェストではありません"
        )
    try:
        return [
            ManifestEntry(str(e["application"]), str(e["procedure"]), str(e["agency"]), str(e["sha256"]))
            for e in value["entries"]
        ]
    except (KeyError, TypeError) as exc:
        raise EnvelopeError(
            "manifest-malformed", "A manifest entry is incomplete", "マニフェストの項目が不完全です"
        ) from exc


def check_envelope(document: bytes, manifest: bytes, *, agency: str) -> dict[str, Any]:
    """Tie ``document`` to the signed ``manifest`` for ``agency``; return the parsed document.

    Checks the document is canonical, addressed to ``agency``, and that its SHA-256 is listed in
    the manifest under the same application id and procedure. (Verify the manifest's signature
    before trusting anything this returns.)
    """
    doc = _loads(document, "document")
    if doc.get("type") != DOCUMENT_TYPE or not isinstance(doc.get("fields"), dict):
        raise EnvelopeError("document-malformed", "Not an application document", "申請書の形式ではありません")
    if doc.get("deciding_agency") != agency:
        raise EnvelopeError(
            "document-misaddressed",
            "The document is addressed to another agency",
            "申請書の宛先が当機関ではありません",
        )
    digest = sha256_hex(document)
    for entry in parse_manifest(manifest):
        if (
            entry.sha256 == digest
            and entry.application_id == doc.get("application_id")
            and entry.procedure == doc.get("procedure")
            and entry.agency == agency
        ):
            return doc
    raise EnvelopeError(
        "digest-not-in-manifest",
        "The document's digest is not in the signed manifest (altered or not signed)",
        "申請書のハッシュ値が署名されたマニフェストにありません（改ざんまたは未署名）",
    )
