"""The vault: per-person data keys, the key-encryption key split across sites, rotation, recovery.

Who holds what:

- the callers' databases hold only ciphertexts of personal fields and blind indexes;
- every site holds a replica of the wrapped data keys and one Shamir share of each live
  key-encryption key (KEK) version and of the blind-index key;
- the main database holds the catalogue of split secrets (names, fingerprints, states) and
  the rotation history, never key material.

So a stolen database (or any backup of it) is ciphertext; fewer than ``threshold`` sites hold
shares that reveal nothing and wrapped keys nobody can unwrap; shredding a person deletes their
wrapped data key at every site, after which no copy of their ciphertexts anywhere can be read.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.exc import IntegrityError

from tenohira.audit import append_event
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.core.progress import ProgressFn, no_progress
from tenohira.vault import envelope, repository
from tenohira.vault.models import VaultRotation, VaultSecret
from tenohira.vault.shamir import ShareMismatch, combine_tolerant, split
from tenohira.vault.sites import ShareFile, Site, SiteUnavailable, StoredKey, configured_sites

INDEX_SECRET = "index"  # noqa: S105 - a name, not a secret


def kek_name(version: int) -> str:
    """The name of a key-encryption key version's split (``kek-0001``)."""
    return f"kek-{version:04d}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- errors ---------------------------------------------------------------------------------


class DataShredded(Problem):
    """The person's data key was destroyed: their personal data can no longer be read or written."""

    def __init__(self, person_id: str) -> None:
        super().__init__(
            status=410,
            slug="vault-shredded",
            title="Personal data erased",
            title_ja="個人データは消去済みです",
            detail=f"the data key of {person_id} was destroyed (crypto-shredded)",
            detail_ja=f"{person_id} のデータ鍵は破棄されています（暗号消去）",
        )


class CiphertextRejected(Problem):
    """A stored ciphertext failed its integrity check (tampered, or moved from another record/field)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            status=500,
            slug="vault-ciphertext-rejected",
            title="Stored data failed its integrity check",
            title_ja="保存データの完全性検査に失敗しました",
            detail=detail,
            detail_ja="暗号文が改ざんされたか、別の記録・項目から移されています",
        )


class VaultUnavailable(Problem):
    """Too few sites are readable, or their shares do not combine to the catalogued key."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            status=503,
            slug="vault-unavailable",
            title="Keys cannot be recovered from the storage sites",
            title_ja="保管拠点から鍵を復元できません",
            detail=detail,
            detail_ja="鍵の保管拠点が不足しているか、分散片が一致しません",
        )


# -- reading and writing split secrets ------------------------------------------------------


@dataclass
class SecretRead:
    """What the sites combined to, and which sites did not help."""

    name: str
    secret: bytes
    split_id: str
    fingerprint: str
    used: list[str]
    missing: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


def read_secret(
    sites: list[Site], name: str, threshold: int, expected_fingerprint: str | None = None
) -> SecretRead:
    """Combine a secret from the sites' shares; wrong shares are detected and reported, never used."""
    files: list[ShareFile] = []
    missing: list[str] = []
    for site in sites:
        try:
            files.append(site.read_share(name))
        except SiteUnavailable:
            missing.append(site.name)
    # shares of an older split (before a re-split) never combine with newer ones: use the largest group
    groups: dict[str, list[ShareFile]] = {}
    for f in files:
        groups.setdefault(f.split_id, []).append(f)
    if not groups:
        raise VaultUnavailable(f"no site holds a share of {name} (missing: {', '.join(missing)})")
    split_id, group = max(groups.items(), key=lambda item: len(item[1]))
    stale = [f.site for f in files if f.split_id != split_id]
    if len(group) < threshold:
        raise VaultUnavailable(
            f"{name}: {len(group)} matching share(s) readable, {threshold} needed "
            f"(missing: {', '.join(missing)})"
        )
    try:
        secret, bad_x = combine_tolerant([f.share for f in group])
    except ShareMismatch as exc:
        raise VaultUnavailable(f"{name}: the sites' shares do not combine: {exc}") from exc
    fp = envelope.fingerprint(secret, name)
    if expected_fingerprint is not None and fp != expected_fingerprint:
        raise VaultUnavailable(f"{name}: the sites combine to a key other than the catalogued one")
    bad = stale + [f.site for f in group if f.share.x in bad_x or f.fingerprint != fp]
    used = [f.site for f in group if f.site not in bad]
    return SecretRead(name, secret, split_id, fp, used, missing, bad)


def write_split(
    sites: list[Site], name: str, secret: bytes, threshold: int, split_id: str | None = None
) -> tuple[str, str]:
    """Split ``secret`` afresh over all ``sites`` (share i to site i); return (split_id, fingerprint)."""
    split_id = split_id or secrets.token_hex(16)
    fp = envelope.fingerprint(secret, name)
    written_at = _utcnow().isoformat(timespec="seconds")
    for site, share in zip(sites, split(secret, threshold, len(sites)), strict=True):
        site.write_share(ShareFile(name, site.name, split_id, fp, share, len(sites), written_at))
    return split_id, fp


# -- the data-key cache ---------------------------------------------------------------------


@dataclass(frozen=True)
class _CachedKey:
    key: bytes
    aead: AESGCM
    loaded: float


class _KeyCache:
    """A bounded LRU of unwrapped data keys with a time to live.

    The TTL bounds how long another process that shredded a person can be out-run by this
    process's cache (shredding in this process evicts at once).
    """

    def __init__(self, size: int, ttl: float) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, _CachedKey] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, person_id: str) -> _CachedKey | None:
        with self._lock:
            item = self._items.get(person_id)
            if item is None:
                return None
            if time.monotonic() - item.loaded > self.ttl:
                del self._items[person_id]
                return None
            self._items.move_to_end(person_id)
            return item

    def put(self, person_id: str, key: bytes) -> _CachedKey:
        item = _CachedKey(key, AESGCM(key), time.monotonic())
        with self._lock:
            self._items[person_id] = item
            self._items.move_to_end(person_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return item

    def evict(self, person_id: str) -> None:
        with self._lock:
            self._items.pop(person_id, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# -- the vault ------------------------------------------------------------------------------


class Vault:
    """Encrypts personal fields under per-person keys; see the module docstring for who holds what.

    Thread-safe; one instance per process (``open_vault``). The unwrapped KEK versions and the
    blind-index key stay in memory for the life of the process; data keys in a bounded LRU.
    """

    ACTIVE_RECHECK_SECONDS = 5.0

    def __init__(
        self,
        sites: list[Site],
        threshold: int,
        keks: dict[int, bytes],
        active_version: int,
        index_key: bytes,
        *,
        cache_size: int = 50_000,
        cache_ttl: float = 60.0,
    ) -> None:
        self.sites = sites
        self.threshold = threshold
        self._keks = dict(keks)
        self.active_version = active_version
        self._index_key = index_key
        self._cache = _KeyCache(cache_size, cache_ttl)
        self._lock = threading.RLock()
        self._active_checked = time.monotonic()

    # -- public face ------------------------------------------------------------------------

    def encrypt(self, person_id: str, record_id: str, field: str, plaintext: str | bytes) -> bytes:
        """Encrypt one field of one record of a person (creates the person's data key if new)."""
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        return envelope.seal_field(self._key(person_id, create=True).aead, person_id, record_id, field, data)

    def decrypt(self, person_id: str, record_id: str, field: str, ciphertext: bytes) -> bytes:
        """Decrypt a field; :class:`CiphertextRejected` if it was made for another record, field or person,
        :class:`DataShredded` once the person was erased."""
        item = self._key(person_id, create=False)
        try:
            return envelope.open_field(item.aead, person_id, record_id, field, ciphertext)
        except envelope.Rejected as exc:
            raise CiphertextRejected(str(exc)) from exc

    def decrypt_text(self, person_id: str, record_id: str, field: str, ciphertext: bytes) -> str:
        """:meth:`decrypt`, decoded as UTF-8."""
        return self.decrypt(person_id, record_id, field, ciphertext).decode()

    def blind_index(self, field: str, value: str) -> str:
        """A keyed hash of ``value`` (normalised: NFKC, trimmed, single spaces) for exact-match lookup.

        Separate per ``field``; the key is split across the sites like the KEK and is not rotated
        with it, so stored indexes stay valid across KEK rotations.
        """
        return envelope.blind_index(self._index_key, field, value)

    def shred(self, person_id: str) -> list[str]:
        """Destroy the person's data key at every reachable site; return the sites it was destroyed at.

        Every ciphertext of the person, wherever copied (backups included), becomes unreadable;
        a site unreachable now gets the tombstone when it is recovered or next read.
        """
        done: list[str] = []
        with self._lock:
            for site in self._available():
                site.shred(person_id)
                done.append(site.name)
            self._cache.evict(person_id)
        if not done:
            raise VaultUnavailable("no site reachable: nothing was shredded")
        return done

    def is_shredded(self, person_id: str) -> bool:
        """Whether the person's data key was destroyed."""
        entry = self._resolve([person_id]).get(person_id)
        return entry is not None and entry.shredded_at is not None

    def key_states(self, person_ids: Iterable[str]) -> dict[str, str]:
        """For each id: ``"live"`` (a data key exists), ``"shredded"`` or ``"none"`` (nothing was
        ever encrypted for it). Reads the sites; creates nothing."""
        ids = list(dict.fromkeys(person_ids))
        found = self._resolve(ids) if ids else {}
        out: dict[str, str] = {}
        for pid in ids:
            entry = found.get(pid)
            out[pid] = "none" if entry is None else ("shredded" if entry.shredded_at is not None else "live")
        return out

    def ensure_keys(self, person_ids: Iterable[str], *, create: bool = True) -> None:
        """Load (or create) many persons' data keys at once: one query per site instead of one per person."""
        wanted = [p for p in dict.fromkeys(person_ids) if self._cache.get(p) is None]
        if wanted:
            # shredded (or, without ``create``, unknown) persons are skipped here: decrypting their
            # fields raises for them alone, so one erased person never fails a whole page
            self._load(wanted, create=create, strict=False)

    def person_digest(self, person_id: str, payload: bytes) -> bytes:
        """A digest of ``payload`` keyed by the person's data key (for transparency-log payloads):
        after shredding it can be neither recomputed nor linked to a guessed payload."""
        return envelope.person_digest(self._key(person_id, create=True).key, payload)

    def where(self, person_id: str) -> dict[str, Any]:
        """Which sites hold this person's wrapped data key, and shares of the keys that unwrap it."""
        sites: list[dict[str, Any]] = []
        entry_version: int | None = None
        for site in self.sites:
            row: dict[str, Any] = {"site": site.name, "path": str(site.path)}
            if not site.exists():
                row["data_key"] = "site missing"
                sites.append(row)
                continue
            stored = site.get_keys([person_id]).get(person_id)
            if stored is None:
                row["data_key"] = "none"
            elif stored.shredded_at is not None:
                row["data_key"] = f"shredded at {stored.shredded_at}"
            else:
                row["data_key"] = f"wrapped under {kek_name(stored.kek_version or 0)}"
                entry_version = stored.kek_version
            row["shares"] = {}
            for name in site.share_names():
                share = site.read_share(name)
                row["shares"][name] = {"x": share.share.x, "split_id": share.split_id}
            sites.append(row)
        return {
            "person_id": person_id,
            "threshold": self.threshold,
            "sites": sites,
            "unwrapped_by": kek_name(entry_version) if entry_version else None,
            "note": (
                "Encrypted fields live in the records of the agencies that hold them (e.g. the municipality "
                "registry); each site holds a wrapped copy of the data key and one share of each key that "
                f"unwraps it; any {self.threshold} sites are needed, fewer reveal nothing."
            ),
        }

    # -- internals ---------------------------------------------------------------------------

    def _available(self) -> list[Site]:
        return [s for s in self.sites if s.available()]

    def _key(self, person_id: str, *, create: bool) -> _CachedKey:
        item = self._cache.get(person_id)
        if item is None:
            self._load([person_id], create=create)
            item = self._cache.get(person_id)
            assert item is not None
        return item

    def _resolve(self, person_ids: list[str]) -> dict[str, StoredKey]:
        """The authoritative entries across sites: a tombstone anywhere wins (and is spread), otherwise the
        entry under the newest KEK version."""
        found: dict[str, StoredKey] = {}
        per_site: list[tuple[Site, dict[str, StoredKey]]] = []
        for site in self._available():
            try:
                got = site.get_keys(person_ids)
            except SiteUnavailable:
                continue
            per_site.append((site, got))
            for pid, entry in got.items():
                best = found.get(pid)
                if best is None:
                    found[pid] = entry
                    continue
                if best.shredded_at is not None:
                    continue
                if entry.shredded_at is not None or (entry.kek_version or 0) > (best.kek_version or 0):
                    found[pid] = entry
        for site, got in per_site:
            for pid, entry in found.items():
                if entry.shredded_at is not None and (pid not in got or got[pid].shredded_at is None):
                    site.shred(pid)
        return found

    def _load(self, person_ids: list[str], *, create: bool, strict: bool = True) -> None:
        with self._lock:
            self._recheck_active()
            found = self._resolve(person_ids)
            new: list[tuple[str, int, bytes]] = []
            fresh: dict[str, bytes] = {}
            for pid in person_ids:
                entry = found.get(pid)
                if entry is not None and entry.shredded_at is not None:
                    if not strict:
                        continue
                    raise DataShredded(pid)
                if entry is None:
                    if not create and not strict:
                        continue
                    if not create:
                        raise CiphertextRejected(
                            f"no data key for {pid}: nothing was ever encrypted for them"
                        )
                    key = envelope.new_key()
                    fresh[pid] = key
                    new.append(
                        (
                            pid,
                            self.active_version,
                            envelope.wrap_key(self._kek(self.active_version), self.active_version, pid, key),
                        )
                    )
                    continue
                assert entry.wrapped is not None and entry.kek_version is not None
                try:
                    key = envelope.unwrap_key(
                        self._kek(entry.kek_version), entry.kek_version, pid, entry.wrapped
                    )
                except envelope.Rejected as exc:
                    raise VaultUnavailable(str(exc)) from exc
                self._cache.put(pid, key)
            if new:
                available = self._available()
                if len(available) < self.threshold:
                    raise VaultUnavailable(
                        f"{len(available)} site(s) reachable, {self.threshold} needed to store new keys"
                    )
                for site in available:
                    site.put_new_keys(new)
                # another process may have created the same person's key first: the stored one wins
                stored = available[0].get_keys([p for p, _, _ in new])
                for pid, _version, wrapped in new:
                    if stored[pid].wrapped == wrapped:
                        self._cache.put(pid, fresh[pid])
                    else:
                        self._load([pid], create=False)

    def _kek(self, version: int) -> bytes:
        kek = self._keks.get(version)
        if kek is None:
            kek = read_secret(self.sites, kek_name(version), self.threshold).secret
            self._keks[version] = kek
        return kek

    def _recheck_active(self) -> None:
        """Notice a rotation started by another process: new keys must be wrapped by the newest KEK."""
        now = time.monotonic()
        if now - self._active_checked < self.ACTIVE_RECHECK_SECONDS:
            return
        self._active_checked = now
        newest = self.active_version
        for site in self._available():
            for name in site.share_names():
                if name.startswith("kek-"):
                    newest = max(newest, int(name[4:]))
        if newest > self.active_version:
            try:
                self._kek(newest)
            except VaultUnavailable:
                return  # a split still being written; keep the current version
            self.active_version = newest

    def adopt_kek(self, version: int, kek: bytes) -> None:
        """Use a new KEK version for every key wrapped from now on (rotation)."""
        with self._lock:
            self._keks[version] = kek
            self.active_version = max(self.active_version, version)

    def forget_kek(self, version: int) -> None:
        with self._lock:
            self._keks.pop(version, None)

    def known_secrets(self) -> dict[str, bytes]:
        """Every secret this process holds (for re-splitting onto a recovered site)."""
        with self._lock:
            held = {kek_name(v): k for v, k in self._keks.items()}
            held[INDEX_SECRET] = self._index_key
            return held

    def rewrap_batch(self, to_version: int, limit: int) -> int:
        """Re-wrap up to ``limit`` data keys still under an older KEK; return how many were re-wrapped."""
        with self._lock:
            candidates: dict[str, None] = {}
            for site in self._available():
                for below in site.keys_below(to_version, limit):
                    candidates[below.person_id] = None
                if len(candidates) >= limit:
                    break
            ids = list(candidates)[:limit]
            if not ids:
                return 0
            found = self._resolve(ids)
            kek_new = self._kek(to_version)
            updates: list[tuple[str, int, bytes]] = []
            for pid in ids:
                entry = found.get(pid)
                if entry is None or entry.wrapped is None or entry.kek_version is None:
                    continue
                if entry.kek_version >= to_version:
                    # some site lags behind: bring it to the newest wrapping
                    updates.append((pid, entry.kek_version, entry.wrapped))
                    continue
                key = envelope.unwrap_key(self._kek(entry.kek_version), entry.kek_version, pid, entry.wrapped)
                updates.append((pid, to_version, envelope.wrap_key(kek_new, to_version, pid, key)))
            for site in self._available():
                site.update_wrapping(updates)
            return len(updates)


# -- opening, bootstrap, rotation, recovery (need the main database) ------------------------

_vaults: dict[tuple[str, str, str, int], Vault] = {}
_MAX_OPEN_VAULTS = 4
_open_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _cache_key(settings: Settings) -> tuple[str, str, str, int]:
    return (
        str(settings.resolved_data_dir),
        settings.resolved_database_url,
        settings.vault_sites,
        settings.vault_threshold,
    )


async def bootstrap_vault(settings: Settings, progress: ProgressFn = no_progress) -> None:
    """Create the sites, the first KEK and the blind-index key, split across the sites (idempotent).

    If the catalogue is empty but the sites already hold shares (a database re-created next to an
    existing data directory), the sites' secrets are adopted instead of being replaced.
    """
    try:
        await _bootstrap(settings, progress)
    except IntegrityError:
        # another process bootstrapped at the same moment and won; its keys are the ones
        async with get_database(settings).session() as session:
            if not await repository.secrets(session):
                raise


async def _bootstrap(settings: Settings, progress: ProgressFn) -> None:
    sites = configured_sites(settings)
    threshold = settings.vault_threshold
    db = get_database(settings)
    async with db.session() as session:
        if await repository.secrets(session):
            return
        progress("vault: creating keys and shares", 0, 2)
        existing = [s for s in sites if s.share_names()]
        for site in sites:
            site.create()
        now = _utcnow()
        if existing:
            names = sorted({n for s in existing for n in s.share_names()})
            versions = sorted(int(n[4:]) for n in names if n.startswith("kek-"))
            if not versions or INDEX_SECRET not in names:
                raise VaultUnavailable("the sites hold an incomplete set of shares; refusing to replace them")
            for name in [*(kek_name(v) for v in versions), INDEX_SECRET]:
                read = read_secret(sites, name, threshold)
                purpose = "index" if name == INDEX_SECRET else "kek"
                version = 1 if purpose == "index" else int(name[4:])
                state = "active" if purpose == "index" or version == versions[-1] else "retiring"
                session.add(
                    _secret_row(
                        name, purpose, version, state, read.fingerprint, read.split_id, threshold, sites, now
                    )
                )
        else:
            pending: list[tuple[str, bytes, str]] = []
            for name, purpose in ((kek_name(1), "kek"), (INDEX_SECRET, "index")):
                secret, split_id = envelope.new_key(), secrets.token_hex(16)
                fp = envelope.fingerprint(secret, name)
                session.add(_secret_row(name, purpose, 1, "active", fp, split_id, threshold, sites, now))
                pending.append((name, secret, split_id))
            # The catalogue rows are the claim: a bootstrap racing this one fails here, before
            # either of them has written a share.
            await session.flush()
            for name, secret, split_id in pending:
                write_split(sites, name, secret, threshold, split_id)
        progress("vault: creating keys and shares", 2, 2)


def _secret_row(
    name: str,
    purpose: str,
    version: int,
    state: str,
    fp: str,
    split_id: str,
    threshold: int,
    sites: list[Site],
    now: datetime,
) -> VaultSecret:
    return VaultSecret(
        name=name,
        purpose=purpose,
        version=version,
        state=state,
        fingerprint=fp,
        split_id=split_id,
        threshold=threshold,
        sites=[s.name for s in sites],
        created_at=now,
        updated_at=now,
    )


async def open_vault(settings: Settings) -> Vault:
    """The process's vault for these settings: bootstraps on first use, combines the KEK and the
    blind-index key from the sites and checks them against the catalogue."""
    key = _cache_key(settings)
    vault = _vaults.get(key)
    if vault is not None:
        return vault
    lock = _open_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        vault = _vaults.get(key)
        if vault is not None:
            return vault
        await bootstrap_vault(settings)
        sites = configured_sites(settings)
        async with get_database(settings).session() as session:
            rows = await repository.secrets(session)
        keks: dict[int, bytes] = {}
        active = 0
        index_key: bytes | None = None
        for row in rows:
            if row.state == "retired":
                continue
            read = await asyncio.to_thread(read_secret, sites, row.name, row.threshold, row.fingerprint)
            if row.purpose == "index":
                index_key = read.secret
            else:
                keks[row.version] = read.secret
                if row.state == "active":
                    active = max(active, row.version)
        if index_key is None or not active:
            raise VaultUnavailable("the catalogue has no active key-encryption key or no index key")
        vault = Vault(sites, settings.vault_threshold, keks, active, index_key)
        _vaults[key] = vault
        # One process rarely serves more than one configuration (tests do, one per test): keep a few,
        # closing the site stores of the others (a closed store reopens itself if used again).
        while len(_vaults) > _MAX_OPEN_VAULTS:
            oldest = next(iter(_vaults))
            for site in _vaults.pop(oldest).sites:
                site.close()
        return vault


def opened_vault(settings: Settings) -> Vault:
    """The vault this process already opened for ``settings`` (for synchronous code paths).

    Raises ``RuntimeError`` if ``await open_vault(settings)`` has not run yet in this process.
    """
    vault = _vaults.get(_cache_key(settings))
    if vault is None:
        raise RuntimeError("the vault is not open in this process: await open_vault(settings) first")
    return vault


def close_vaults() -> None:
    """Forget every open vault (tests; the end of a process)."""
    for vault in _vaults.values():
        for site in vault.sites:
            site.close()
    _vaults.clear()


@dataclass
class RotationStatus:
    """Progress of a rotation."""

    id: int
    from_version: int
    to_version: int
    state: str
    total: int
    done: int

    @classmethod
    def of(cls, row: VaultRotation) -> RotationStatus:
        return cls(row.id, row.from_version, row.to_version, row.state, row.total, row.done)


async def rotate(
    settings: Settings,
    progress: ProgressFn = no_progress,
    *,
    batch_size: int = 500,
    grace_seconds: float = 10.0,
) -> RotationStatus:
    """Rotate the KEK without downtime: a new version is split across the sites and used for new keys at
    once; existing data keys are re-wrapped in batches (each its own transaction) while readers keep
    using the old version; when none is left (and a grace period for other processes has passed) the
    old version's shares are destroyed. Resumes an interrupted rotation."""
    vault = await open_vault(settings)
    missing = [s.name for s in vault.sites if not s.exists()]
    if missing:
        raise VaultUnavailable(f"site(s) {', '.join(missing)} missing: recover them before rotating")
    db = get_database(settings)
    async with db.session() as session:
        running = await repository.running_rotation(session)
        if running is None:
            rows = await repository.secrets(session)
            current = max(r.version for r in rows if r.purpose == "kek")
            new_version = current + 1
            kek = envelope.new_key()
            name = kek_name(new_version)
            split_id, fp = await asyncio.to_thread(write_split, vault.sites, name, kek, vault.threshold)
            now = _utcnow()
            for row in rows:
                if row.purpose == "kek" and row.state == "active":
                    row.state, row.updated_at = "retiring", now
            session.add(
                _secret_row(
                    name, "kek", new_version, "active", fp, split_id, vault.threshold, vault.sites, now
                )
            )
            counts = vault.sites[0].count_by_version()
            total = sum(n for v, n in counts.items() if v is not None and v < new_version)
            running = VaultRotation(
                from_version=current,
                to_version=new_version,
                state="running",
                total=total,
                done=0,
                started_at=now,
            )
            session.add(running)
            await session.flush()
            vault.adopt_kek(new_version, kek)
        else:
            vault.adopt_kek(running.to_version, vault._kek(running.to_version))
        rotation_id, to_version, total, done = running.id, running.to_version, running.total, running.done

    label = f"vault: re-wrapping data keys under {kek_name(to_version)}"
    progress(label, done, max(total, done))
    while True:
        n = await asyncio.to_thread(vault.rewrap_batch, to_version, batch_size)
        if n == 0:
            if grace_seconds > 0:
                # a process that has not yet noticed the new version may still wrap a key under the old one
                await asyncio.sleep(grace_seconds)
                grace_seconds = 0
                continue
            break
        done += n
        total = max(total, done)
        async with db.session() as session:
            await repository.update_rotation(session, rotation_id, done=done, total=total)
        progress(label, done, total)

    async with db.session() as session:
        rows = await repository.secrets(session)
        now = _utcnow()
        for row in rows:
            if row.purpose == "kek" and row.state == "retiring":
                for site in vault.sites:
                    site.delete_share(row.name)
                row.state, row.updated_at = "retired", now
                vault.forget_kek(row.version)
        row_r = await repository.update_rotation(
            session, rotation_id, done=done, total=total, state="done", finished_at=now
        )
        status = RotationStatus.of(row_r)
    progress(label, done, total)
    return status


async def recover_site(
    settings: Settings, site_name: str, progress: ProgressFn = no_progress
) -> dict[str, Any]:
    """Rebuild a lost (or suspect) site from the others and re-split every live secret afresh, so that
    any share that left with the lost site no longer combines with anything."""
    vault = await open_vault(settings)
    site = next((s for s in vault.sites if s.name == site_name), None)
    if site is None:
        raise Problem(
            status=404,
            slug="vault-no-such-site",
            title="No such site",
            title_ja="そのような保管拠点はありません",
            detail=f"configured sites: {', '.join(s.name for s in vault.sites)}",
        )
    others = [s for s in vault.sites if s is not site and s.exists()]
    if len(others) < vault.threshold:
        raise VaultUnavailable(
            f"{len(others)} other site(s) intact, {vault.threshold} needed to recover {site_name}"
        )
    # everything this site is to hold must be readable from the others before it is touched
    held = vault.known_secrets()
    site.close()
    if site.path.exists():
        shutil.rmtree(site.path)
    site.create()
    label = f"vault: copying data keys to {site_name}"
    total = sum(others[0].count_by_version().values())
    copied = 0
    progress(label, 0, total)
    for batch in others[0].all_keys():
        ids = [e.person_id for e in batch]
        merged = vault._resolve(ids)
        site.copy_entries(merged[p] for p in ids if p in merged)
        copied += len(batch)
        progress(label, copied, max(total, copied))
    resplit: list[str] = []
    async with get_database(settings).session() as session:
        rows = await repository.secrets(session)
        now = _utcnow()
        for row in rows:
            if row.state == "retired":
                continue
            secret = held.get(row.name)
            if secret is None:
                secret = read_secret(others, row.name, vault.threshold, row.fingerprint).secret
            split_id, fp = write_split(vault.sites, row.name, secret, vault.threshold)
            if fp != row.fingerprint:
                raise VaultUnavailable(f"{row.name}: re-split key differs from the catalogued one")
            row.split_id, row.updated_at = split_id, now
            resplit.append(row.name)
    return {"site": site_name, "data_keys": copied, "resplit": resplit}


async def status(settings: Settings) -> dict[str, Any]:
    """The vault's state: sites (present, shares, keys per KEK version), secrets, the latest rotation."""
    sites = configured_sites(settings)
    async with get_database(settings).session() as session:
        rows = await repository.secrets(session)
        rotation = await repository.latest_rotation(session)
    site_rows: list[dict[str, Any]] = []
    for site in sites:
        present = site.exists()
        entry: dict[str, Any] = {"name": site.name, "path": str(site.path), "present": present}
        if present:
            counts = site.count_by_version()
            entry["shares"] = site.share_names()
            entry["data_keys"] = {kek_name(v): n for v, n in counts.items() if v is not None}
            entry["shredded"] = counts.get(None, 0)
        site_rows.append(entry)
    healthy = sum(1 for s in site_rows if s["present"])
    return {
        "threshold": settings.vault_threshold,
        "sites": site_rows,
        "healthy_sites": healthy,
        "state": "ok"
        if healthy == len(sites)
        else ("degraded" if healthy >= settings.vault_threshold else "down"),
        "secrets": [
            {
                "name": r.name,
                "purpose": r.purpose,
                "version": r.version,
                "state": r.state,
                "fingerprint": r.fingerprint,
            }
            for r in rows
        ],
        "active_kek": max(
            (r.version for r in rows if r.purpose == "kek" and r.state == "active"), default=None
        ),
        "rotation": None if rotation is None else RotationStatus.of(rotation).__dict__,
    }


async def shred_person(settings: Settings, person_id: str, *, actor: str) -> list[str]:
    """Shred a person's data key and record it in the transparency log (the log keeps only the
    reference, no payload: nothing personal remains to link)."""

    vault = await open_vault(settings)
    sites = await asyncio.to_thread(vault.shred, person_id)
    async with get_database(settings).session() as session:
        await append_event(
            session, type="vault:shred", actor=actor, subject=person_id, attributes={"sites": ",".join(sites)}
        )
    return sites


def site_paths(settings: Settings) -> list[Path]:
    """The directories of the configured sites."""
    return [s.path for s in configured_sites(settings)]


__all__ = [
    "CiphertextRejected",
    "DataShredded",
    "RotationStatus",
    "Vault",
    "VaultUnavailable",
    "bootstrap_vault",
    "close_vaults",
    "open_vault",
    "opened_vault",
    "recover_site",
    "rotate",
    "shred_person",
    "status",
]
