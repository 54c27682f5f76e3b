"""The log's signing key (Ed25519) and the signed tree head encoding (RFC 9162 TreeHeadDataV2)."""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tenohira.core.config import Settings

KEY_FILE = "log-ed25519.pem"
SIGNATURE_ALGORITHM = "ed25519"


def key_path(settings: Settings) -> Path:
    """Where the log key lives: ``data_dir/audit/log-ed25519.pem``."""
    return settings.data_dir / "audit" / KEY_FILE


@dataclass(frozen=True)
class LogKey:
    """The log's key pair and its id (SHA-256 of the DER SubjectPublicKeyInfo, as RFC 9162 log ids)."""

    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey

    @property
    def public_der(self) -> bytes:
        return self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    @property
    def key_id(self) -> bytes:
        return hashlib.sha256(self.public_der).digest()

    def sign(self, data: bytes) -> bytes:
        if self.private is None:
            raise RuntimeError("this log key has no private half")
        return self.private.sign(data)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def create_key(settings: Settings) -> LogKey:
    """Create the log key if it does not exist yet (idempotent); return it."""
    path = key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written owner-only and atomically, so a crash never leaves half a key behind.
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        tmp.replace(path)
        _load.cache_clear()
    return load_key(settings)


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> LogKey:
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 key")
    return LogKey(private=private, public=private.public_key())


def load_key(settings: Settings) -> LogKey:
    """The log key (raises FileNotFoundError before ``tenohira init``/audit bootstrap)."""
    path = key_path(settings)
    return _load(path, path.stat().st_mtime_ns)


def public_key_from_pem(pem: str | bytes) -> LogKey:
    """A verify-only key from a PEM public key (what a client fetches from /api/audit/key)."""
    public = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return LogKey(private=None, public=public)


def tree_head_data(timestamp_ms: int, tree_size: int, root_hash: bytes) -> bytes:
    """TLS encoding of RFC 9162 §4.9 ``TreeHeadDataV2`` with no extensions: the bytes that are signed."""
    return struct.pack(">QQB", timestamp_ms, tree_size, len(root_hash)) + root_hash + b"\x00\x00"
