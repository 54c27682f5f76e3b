"""Fault injection for crash-safety tests: ``kill -9`` this process at a named point.

``TENOHIRA_CRASH_AT=<point>`` makes :func:`crash_point` with that name send SIGKILL to its own
process — no cleanup, no flush, exactly what a power cut or an OOM kill does. Unset (always,
in production) it costs one dictionary lookup. The points sit where a crash would be hardest to
survive: just after a commit, between a remote call and recording its outcome.
"""

from __future__ import annotations

import os
import signal

ENV = "TENOHIRA_CRASH_AT"


def crash_point(name: str) -> None:
    """Die at once (SIGKILL) if ``TENOHIRA_CRASH_AT`` names this point."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
