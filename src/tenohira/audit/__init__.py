"""The transparency log: an append-only RFC 9162 Merkle log with signed tree heads and proofs.

Other modules call :func:`append_event` (or :func:`append_events`) inside their own
transaction; entries get a contiguous leaf index from the sequencer.
"""

from tenohira.audit.leaf import AuditEvent, InvalidAuditEvent
from tenohira.audit.service import append_event, append_events

__all__ = ["AuditEvent", "InvalidAuditEvent", "append_event", "append_events"]
