"""Storage sites: separate directories, each holding one share of every split secret and a replica
of the wrapped data keys.

A site directory (mode 0700) holds ``shares/<secret>.json`` (mode 0600; one Shamir share of the
key-encryption key of each live version and of the blind-index key) and ``keys.sqlite`` (mode
0600; every person's data key, wrapped by the key-encryption key). A site alone therefore holds
a share that reveals nothing and ciphertexts of keys that need ``threshold`` sites to unwrap.
In production each site directory is a mount of separate storage (another disk, host or region).
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tenohira.core.config import Settings
from tenohira.vault.shamir import Share

SHARE_FORMAT = "tenohira-vault-share/1"
_KEYS_SCHEMA = """
CREATE TABLE IF NOT EXISTS data_keys (
    person_id TEXT PRIMARY KEY,
    kek_version INTEGER,
    wrapped BLOB,
    created_at TEXT NOT NULL,
    shredded_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_data_keys_kek_version ON data_keys (kek_version);
"""


class SiteUnavailable(RuntimeError):
    """A site's directory or files are missing or unreadable."""


@dataclass(frozen=True)
class ShareFile:
    """One site's share of one split secret, with what is needed to check and combine it."""

    secret: str  # "kek-0001", "index"
    site: str
    split_id: str
    fingerprint: str
    share: Share
    count: int
    written_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "format": SHARE_FORMAT,
            "secret": self.secret,
            "site": self.site,
            "split_id": self.split_id,
            "fingerprint": self.fingerprint,
            "threshold": self.share.threshold,
            "count": self.count,
            "x": self.share.x,
            "y": base64.b64encode(self.share.data).decode(),
            "written_at": self.written_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShareFile:
        if data.get("format") != SHARE_FORMAT:
            raise ValueError(f"unknown share format {data.get('format')!r}")
        return cls(
            secret=str(data["secret"]),
            site=str(data["site"]),
            split_id=str(data["split_id"]),
            fingerprint=str(data["fingerprint"]),
            share=Share(x=int(data["x"]), threshold=int(data["threshold"]), data=base64.b64decode(data["y"])),
            count=int(data["count"]),
            written_at=str(data["written_at"]),
        )


@dataclass(frozen=True)
class StoredKey:
    """A person's entry in a site's key store."""

    person_id: str
    kek_version: int | None
    wrapped: bytes | None
    created_at: str
    shredded_at: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class Site:
    """One storage site (a directory)."""

    # How long a health check is trusted: hot paths must not stat the disk on every key load.
    HEALTH_TTL = 1.0

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._healthy = False
        self._checked = -1e9

    def __repr__(self) -> str:
        return f"Site({self.name!r}, {str(self.path)!r})"

    @property
    def shares_dir(self) -> Path:
        return self.path / "shares"

    @property
    def keys_path(self) -> Path:
        return self.path / "keys.sqlite"

    def exists(self) -> bool:
        """Whether the site looks intact (directory and key store present)."""
        return self.path.is_dir() and self.keys_path.is_file() and self.shares_dir.is_dir()

    def available(self) -> bool:
        """:meth:`exists`, re-checked at most every :attr:`HEALTH_TTL` seconds."""
        now = time.monotonic()
        if now - self._checked >= self.HEALTH_TTL:
            self._healthy = self.exists()
            self._checked = now
            if not self._healthy:
                self.close()
        return self._healthy

    def create(self) -> None:
        """Create the directory layout and an empty key store (idempotent)."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path, 0o700)
        self.shares_dir.mkdir(exist_ok=True, mode=0o700)
        if not self.keys_path.exists():
            os.close(os.open(self.keys_path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.keys_path, 0o600)
        self._checked = -1e9
        with self._db() as conn:
            conn.executescript(_KEYS_SCHEMA)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- shares -------------------------------------------------------------------------

    def share_path(self, secret: str) -> Path:
        return self.shares_dir / f"{secret}.json"

    def write_share(self, share: ShareFile) -> None:
        """Store this site's share of a secret (0600)."""
        if not self.shares_dir.is_dir():
            raise SiteUnavailable(f"site {self.name} is missing ({self.path})")
        _write_private(self.share_path(share.secret), json.dumps(share.as_json(), indent=1).encode())

    def read_share(self, secret: str) -> ShareFile:
        """This site's share of ``secret``; :class:`SiteUnavailable` if missing or unreadable."""
        path = self.share_path(secret)
        try:
            share = ShareFile.from_json(json.loads(path.read_text()))
        except FileNotFoundError as exc:
            raise SiteUnavailable(f"site {self.name} has no share of {secret}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise SiteUnavailable(f"site {self.name}: share of {secret} is unreadable: {exc}") from exc
        if share.secret != secret or share.site != self.name:
            raise SiteUnavailable(
                f"site {self.name}: share file of {secret} names {share.site}/{share.secret}"
            )
        return share

    def delete_share(self, secret: str) -> None:
        """Destroy this site's share of ``secret`` (overwritten, then removed)."""
        path = self.share_path(secret)
        if path.exists():
            # Overwrite first: on plain file systems this removes the bytes, not just the name.
            _write_private(path, b"\0" * max(path.stat().st_size, 1))
            path.unlink()

    def share_names(self) -> list[str]:
        if not self.shares_dir.is_dir():
            return []
        return sorted(p.stem for p in self.shares_dir.glob("*.json"))

    # -- key store -----------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is None:
                if not self.path.is_dir():
                    raise SiteUnavailable(f"site {self.name} is missing ({self.path})")
                conn = sqlite3.connect(self.keys_path, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=10000")
                # zero the bytes of deleted or overwritten content (a shredded key must not linger)
                conn.execute("PRAGMA secure_delete=ON")
                self._conn = conn
            return self._conn

    @property
    def _keys(self) -> sqlite3.Connection:
        if not self.available():
            raise SiteUnavailable(f"site {self.name} has no key store ({self.keys_path})")
        return self._db()

    def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self._lock:
            conn = self._keys
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(sql, rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def put_new_keys(self, entries: Iterable[tuple[str, int, bytes]]) -> None:
        """Store new wrapped data keys ``(person_id, kek_version, wrapped)``; an existing entry (a key made
        by another process first, or a shredded person's tombstone) is kept."""
        now = _now()
        self._write(
            "INSERT INTO data_keys (person_id, kek_version, wrapped, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (person_id) DO NOTHING",
            [(p, v, w, now) for p, v, w in entries],
        )

    def update_wrapping(self, entries: Iterable[tuple[str, int, bytes]]) -> None:
        """Replace the wrapping of existing live keys (rotation); shredded or absent ones stay as they are."""
        self._write(
            "UPDATE data_keys SET kek_version = ?, wrapped = ? WHERE person_id = ? AND shredded_at IS NULL "
            "AND (kek_version IS NULL OR kek_version <= ?)",
            [(v, w, p, v) for p, v, w in entries],
        )

    def get_keys(self, person_ids: Iterable[str]) -> dict[str, StoredKey]:
        """The stored entries of these persons (absent ones are left out)."""
        ids = list(dict.fromkeys(person_ids))
        found: dict[str, StoredKey] = {}
        with self._lock:
            conn = self._keys
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    "SELECT person_id, kek_version, wrapped, created_at, shredded_at FROM data_keys "  # noqa: S608
                    f"WHERE person_id IN ({marks})",
                    chunk,
                ).fetchall()
                for row in rows:
                    found[row[0]] = StoredKey(row[0], row[1], row[2], row[3], row[4])
        return found

    def shred(self, person_id: str) -> None:
        """Destroy a person's wrapped data key, keeping a tombstone so it is never re-created."""
        now = _now()
        with self._lock:
            conn = self._keys
            conn.execute(
                "INSERT INTO data_keys (person_id, kek_version, wrapped, created_at, shredded_at) "
                "VALUES (?, NULL, NULL, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
                "kek_version = NULL, wrapped = NULL, shredded_at = excluded.shredded_at",
                (person_id, now, now),
            )
            # secure_delete zeroed the old bytes in the page; fold the WAL in so no copy stays there.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def keys_below(self, version: int, limit: int) -> list[StoredKey]:
        """Live keys wrapped by a key-encryption key older than ``version`` (for rotation)."""
        with self._lock:
            rows = self._keys.execute(
                "SELECT person_id, kek_version, wrapped, created_at, shredded_at FROM data_keys "
                "WHERE wrapped IS NOT NULL AND kek_version < ? ORDER BY person_id LIMIT ?",
                (version, limit),
            ).fetchall()
        return [StoredKey(*row) for row in rows]

    def count_by_version(self) -> dict[int | None, int]:
        """How many keys each key-encryption key version wraps (None: shredded)."""
        with self._lock:
            rows = self._keys.execute(
                "SELECT kek_version, count(*) FROM data_keys GROUP BY kek_version"
            ).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def all_keys(self, batch: int = 1000) -> Iterator[list[StoredKey]]:
        """Every entry, in batches (to copy a site)."""
        after = ""
        while True:
            with self._lock:
                rows = self._keys.execute(
                    "SELECT person_id, kek_version, wrapped, created_at, shredded_at FROM data_keys "
                    "WHERE person_id > ? ORDER BY person_id LIMIT ?",
                    (after, batch),
                ).fetchall()
            if not rows:
                return
            yield [StoredKey(*row) for row in rows]
            after = rows[-1][0]

    def copy_entries(self, entries: Iterable[StoredKey]) -> None:
        """Take over entries (tombstones included) from another site, as they are."""
        self._write(
            "INSERT OR REPLACE INTO data_keys (person_id, kek_version, wrapped, created_at, shredded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(e.person_id, e.kek_version, e.wrapped, e.created_at, e.shredded_at) for e in entries],
        )


def configured_sites(settings: Settings) -> list[Site]:
    """The sites named by ``settings.vault_sites``: ``east,west,north`` (under data_dir/vault/) or
    ``east=/mnt/a,west=/mnt/b`` (explicit directories)."""
    sites: list[Site] = []
    for item in settings.vault_sites.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, path = item.partition("=")
        name = name.strip()
        sites.append(Site(name, Path(path.strip()) if sep else settings.data_dir / "vault" / name))
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ValueError(f"site names repeat in TENOHIRA_VAULT_SITES: {names}")
    if not 2 <= settings.vault_threshold <= len(sites):
        raise ValueError(
            f"vault threshold {settings.vault_threshold} impossible with {len(sites)} site(s): "
            "need 2 <= k <= n"
        )
    return sites
