"""A client that checks the log over HTTP with RFC 9162 algorithms, trusting only the log's public key.

async with httpx.AsyncClient(base_url="http://127.0.0.1:8000") as http:
    auditor = LogClient(http, public_key_pem)
    head = await auditor.tree_head()              # signature checked
    entry = await auditor.entry(5)                # leaf rebuilt from its fields
    await auditor.check_inclusion(entry, head)    # proof checked against the signed root
    await auditor.check_consistency(old_head, head)
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx

from tenohira.audit.keys import LogKey, public_key_from_pem, tree_head_data
from tenohira.audit.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion


class LogMisbehaviour(Exception):
    """The log answered something that does not verify."""


def _unb64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


@dataclass(frozen=True)
class VerifiedHead:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes


@dataclass(frozen=True)
class VerifiedEntry:
    leaf_index: int
    leaf_hash: bytes
    fields: dict[str, Any]


class LogClient:
    """Fetch and verify signed tree heads, entries and proofs from ``/api/audit``."""

    def __init__(
        self, http: httpx.AsyncClient, public_key_pem: str | bytes, prefix: str = "/api/audit"
    ) -> None:
        self.http = http
        self.key: LogKey = public_key_from_pem(public_key_pem)
        self.prefix = prefix

    async def _get(self, path: str, **params: Any) -> Any:
        response = await self.http.get(self.prefix + path, params=params or None)
        response.raise_for_status()
        return response.json()

    async def tree_head(self) -> VerifiedHead:
        """The latest signed tree head, after checking its log id and signature."""
        doc = await self._get("/sth")
        root = _unb64(doc["root_hash"])
        if _unb64(doc["log_id"]) != self.key.key_id:
            raise LogMisbehaviour("tree head names another log key")
        data = tree_head_data(int(doc["timestamp"]), int(doc["tree_size"]), root)
        if not self.key.verify(_unb64(doc["signature"]), data):
            raise LogMisbehaviour("tree head signature does not verify")
        return VerifiedHead(int(doc["tree_size"]), int(doc["timestamp"]), root)

    async def entry(self, leaf_index: int) -> VerifiedEntry:
        """An entry whose canonical leaf matches both its fields and its leaf hash."""
        doc = await self._get(f"/entries/{leaf_index}")
        leaf = _unb64(doc["leaf"])
        decoded = json.loads(leaf)
        fields = {k: doc[k] for k in ("type", "actor", "subject", "time", "payload_sha256", "attributes")}
        if {k: decoded.get(k) for k in fields} != fields:
            raise LogMisbehaviour(f"entry {leaf_index}: fields differ from its leaf")
        hashed = leaf_hash(leaf)
        if hashed != _unb64(doc["leaf_hash"]) or doc["leaf_index"] != leaf_index:
            raise LogMisbehaviour(f"entry {leaf_index}: leaf hash does not match")
        return VerifiedEntry(leaf_index, hashed, fields)

    async def check_inclusion(self, entry: VerifiedEntry, head: VerifiedHead) -> None:
        """Prove that ``entry`` is in the tree signed by ``head``."""
        doc = await self._get("/proof/inclusion", leaf_index=entry.leaf_index, tree_size=head.tree_size)
        path = [_unb64(p) for p in doc["inclusion_path"]]
        try:
            verify_inclusion(entry.leaf_index, head.tree_size, entry.leaf_hash, path, head.root_hash)
        except ProofError as exc:
            raise LogMisbehaviour(f"inclusion of leaf {entry.leaf_index}: {exc}") from exc

    async def check_consistency(self, old: VerifiedHead, new: VerifiedHead) -> None:
        """Prove that the tree of ``new`` extends the tree of ``old`` (nothing rewritten)."""
        doc = await self._get("/proof/consistency", first=old.tree_size, second=new.tree_size)
        path = [_unb64(p) for p in doc["consistency_path"]]
        try:
            verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, path)
        except ProofError as exc:
            raise LogMisbehaviour(f"consistency {old.tree_size}→{new.tree_size}: {exc}") from exc
