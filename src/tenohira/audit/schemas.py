"""What the audit API returns (binary values base64, as in RFC 9162's JSON)."""

from __future__ import annotations

import base64

from pydantic import BaseModel, Field

from tenohira.audit.leaf import encode_leaf, format_time
from tenohira.audit.log import TreeHead
from tenohira.audit.models import AuditEntry


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class TreeHeadOut(BaseModel):
    """A signed tree head: the signature covers RFC 9162 TreeHeadDataV2(timestamp, tree_size, root_hash)."""

    tree_size: int
    timestamp: int = Field(description="milliseconds since the epoch")
    root_hash: str = Field(description="base64")
    log_id: str = Field(description="base64 SHA-256 of the log key's DER SubjectPublicKeyInfo")
    signature_algorithm: str
    signature: str = Field(description="base64")

    @classmethod
    def of(cls, head: TreeHead) -> TreeHeadOut:
        return cls.model_validate(head.as_json())


class LogKeyOut(BaseModel):
    log_id: str
    signature_algorithm: str
    public_key_pem: str
    origin: str = Field(description="origin line of the log's C2SP checkpoints")
    vkey: str = Field(description="signed-note verifier key of the log (what a witness follows)")


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    inclusion_path: list[str]


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    consistency_path: list[str]


class EntryOut(BaseModel):
    """One entry; ``leaf`` is the exact canonical bytes whose RFC 9162 leaf hash is in the tree."""

    leaf_index: int | None
    type: str
    actor: str
    subject: str | None
    time: str
    payload_sha256: str | None
    attributes: dict[str, str]
    leaf: str = Field(description="base64 of the canonical leaf")
    leaf_hash: str

    @classmethod
    def of(cls, e: AuditEntry) -> EntryOut:
        leaf = encode_leaf(
            type=e.type,
            actor=e.actor,
            subject=e.subject,
            time=e.created_at,
            digest=e.payload_digest,
            attributes=e.attributes,
        )
        return cls(
            leaf_index=e.leaf_index,
            type=e.type,
            actor=e.actor,
            subject=e.subject,
            time=format_time(e.created_at),
            payload_sha256=None if e.payload_digest is None else e.payload_digest.hex(),
            attributes=e.attributes,
            leaf=b64(leaf),
            leaf_hash=b64(e.leaf_hash),
        )


class EntriesOut(BaseModel):
    tree_size: int
    entries: list[EntryOut]
