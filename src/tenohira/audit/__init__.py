"""The transparency log: an append-only RFC 9162 Merkle log with signed tree heads and proofs.

Other modules call :func:`append_event` (or :func:`append_events`) inside their own
transaction; entries get a contiguous leaf index from the sequencer (background task, or
:func:`sequence` on demand). Clients verify proofs with :func:`verify_inclusion` and
:func:`verify_consistency` (RFC 9162 §2.1.3.2 / §2.1.4.2).
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.audit.leaf import AuditEvent, InvalidAuditEvent, encode_leaf
    from tenohira.audit.log import TreeHead, consistency_proof, inclusion_proof, produce_tree_head, sequence
    from tenohira.audit.merkle import ProofError, leaf_hash, node_hash, verify_consistency, verify_inclusion
    from tenohira.audit.query import EntryMetadata, entries_of_type
    from tenohira.audit.refusals import flush_refusals, note_refusal
    from tenohira.audit.service import append_event, append_events
    from tenohira.audit.witnessing import current_checkpoint

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "AuditEvent": "tenohira.audit.leaf",
        "InvalidAuditEvent": "tenohira.audit.leaf",
        "encode_leaf": "tenohira.audit.leaf",
        "TreeHead": "tenohira.audit.log",
        "consistency_proof": "tenohira.audit.log",
        "inclusion_proof": "tenohira.audit.log",
        "produce_tree_head": "tenohira.audit.log",
        "sequence": "tenohira.audit.log",
        "ProofError": "tenohira.audit.merkle",
        "leaf_hash": "tenohira.audit.merkle",
        "node_hash": "tenohira.audit.merkle",
        "verify_consistency": "tenohira.audit.merkle",
        "verify_inclusion": "tenohira.audit.merkle",
        "EntryMetadata": "tenohira.audit.query",
        "entries_of_type": "tenohira.audit.query",
        "flush_refusals": "tenohira.audit.refusals",
        "note_refusal": "tenohira.audit.refusals",
        "append_event": "tenohira.audit.service",
        "append_events": "tenohira.audit.service",
        "current_checkpoint": "tenohira.audit.witnessing",
    },
)

__all__ = [
    "AuditEvent",
    "EntryMetadata",
    "InvalidAuditEvent",
    "ProofError",
    "TreeHead",
    "append_event",
    "append_events",
    "consistency_proof",
    "current_checkpoint",
    "encode_leaf",
    "entries_of_type",
    "flush_refusals",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "note_refusal",
    "produce_tree_head",
    "sequence",
    "verify_consistency",
    "verify_inclusion",
]
