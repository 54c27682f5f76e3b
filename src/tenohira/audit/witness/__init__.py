"""An independent witness of transparency logs, in the manner of C2SP tlog-witness.

It holds its own Ed25519 key and its own database, and for each log it trusts (an origin and the
log's verifier key) remembers the latest checkpoint it cosigned. It cosigns a new checkpoint only
if it is signed by the log and a consistency proof shows that it extends that checkpoint, so a log
that rolls back or forks is refused — and whoever holds its cosignatures can tell.

Served on its own (``tenohira witness serve``) or mounted at ``/witness`` in the embedded
platform; either way the log reaches it over HTTP. It depends only on :mod:`tenohira.core`, the
note formats (:mod:`tenohira.audit.note`) and the Merkle proofs (:mod:`tenohira.audit.merkle`).
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.audit.witness.config import WitnessConfig
    from tenohira.audit.witness.service import init_witness, trust_log

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "WitnessConfig": "tenohira.audit.witness.config",
        "init_witness": "tenohira.audit.witness.service",
        "trust_log": "tenohira.audit.witness.service",
    },
)

__all__ = ["WitnessConfig", "init_witness", "trust_log"]
