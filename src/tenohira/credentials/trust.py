"""Trust lists of credential issuers (e.g. the registered hospitals).

An issuer is described by its JWT VC Issuer Metadata (SD-JWT VC, ``/.well-known/jwt-vc-issuer``):
``{"issuer": ..., "jwks": {"keys": [...]}}``, here with ``kind`` (``hospital``) and names.
A verifier trusts the issuers whose metadata sits in its trust directory: the operator copies
a hospital's metadata there when the hospital is registered (in the embedded platform the
hospital's bootstrap does it, as registration with the prefecture would).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from tenohira.credentials.sdjwt import key_from_jwk


@dataclass(frozen=True)
class IssuerMetadata:
    """One trusted issuer: identifier, kind, display names and public keys (JWKs)."""

    issuer: str
    kind: str
    name_ja: str
    name_en: str
    jwks: tuple[dict[str, Any], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "kind": self.kind,
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "jwks": {"keys": list(self.jwks)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IssuerMetadata:
        keys = data.get("jwks", {}).get("keys", [])
        for k in keys:
            key_from_jwk(k)  # refuse a malformed key when it is loaded, not when it is used
        return cls(
            issuer=str(data["issuer"]),
            kind=str(data.get("kind", "")),
            name_ja=str(data.get("name_ja", "")),
            name_en=str(data.get("name_en", "")),
            jwks=tuple(dict(k) for k in keys),
        )


def trust_dir(data_dir: Path, kind: str) -> Path:
    """Where the trusted issuers of ``kind`` are kept (``data_dir/trust/<kind>``)."""
    return data_dir / "trust" / kind


def publish_issuer(data_dir: Path, metadata: IssuerMetadata) -> Path:
    """Place an issuer's metadata in the trust directory for its kind (idempotent)."""
    folder = trust_dir(data_dir, metadata.kind)
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(metadata.issuer.encode()).hexdigest()[:16] + ".json"
    path = folder / name
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(metadata.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class TrustList:
    """The issuers a verifier accepts, with their keys."""

    issuers: Mapping[str, IssuerMetadata]

    def keys(self) -> dict[str, list[ec.EllipticCurvePublicKey]]:
        """Issuer → public keys, as :func:`tenohira.credentials.verify` takes them."""
        return {iss: [key_from_jwk(k) for k in meta.jwks] for iss, meta in self.issuers.items()}

    def get(self, issuer: str) -> IssuerMetadata | None:
        return self.issuers.get(issuer)


def load_trust_list(data_dir: Path, kind: str) -> TrustList:
    """Every issuer of ``kind`` in the trust directory (unreadable files are skipped, not trusted)."""
    folder = trust_dir(data_dir, kind)
    found: dict[str, IssuerMetadata] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                meta = IssuerMetadata.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
            if meta.kind == kind:
                found[meta.issuer] = meta
    return TrustList(found)
