"""Where a witness keeps its key and database, and its name."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tenohira.audit.note import Signer
from tenohira.core.config import Settings

KEY_FILE = "witness-ed25519.pem"


@dataclass(frozen=True)
class WitnessConfig:
    """A witness's name (its key name in cosignatures), data directory and database URL."""

    name: str
    data_dir: Path
    database_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> WitnessConfig:
        data_dir = (settings.witness_data_dir or settings.resolved_data_dir / "witness").resolve()
        url = settings.witness_database_url or f"sqlite+aiosqlite:///{data_dir / 'witness.db'}"
        return cls(settings.witness_name, data_dir, url)

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILE

    def signer(self) -> Signer:
        """The witness's key (created owner-only on first use)."""
        path = self.key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
            tmp.replace(path)
        return Signer(self.name, _load(path, path.stat().st_mtime_ns))


@lru_cache(maxsize=8)
def _load(path: Path, _mtime_ns: int) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 key")
    return key
