"""The transparency log: an append-only RFC 9162 Merkle log with signed tree heads and proofs."""
