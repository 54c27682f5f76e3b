"""Readiness checks that modules register (database, migrations, keys …)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

ReadinessCheck = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass
class _Registered:
    name: str
    check: ReadinessCheck
    timeout: float


_checks: dict[str, _Registered] = {}


def register_readiness_check(name: str, check: ReadinessCheck, timeout: float = 2.0) -> None:
    """Add (or replace) a check that ``/readyz`` runs; it returns (ok, detail)."""
    _checks[name] = _Registered(name, check, timeout)


async def run_readiness_checks() -> tuple[bool, dict[str, Any]]:
    """Run every check with its timeout; return overall status and per-check results."""

    async def one(reg: _Registered) -> tuple[str, dict[str, Any]]:
        try:
            ok, detail = await asyncio.wait_for(reg.check(), reg.timeout)
        except TimeoutError:
            ok, detail = False, f"timed out after {reg.timeout}s"
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        return reg.name, {"status": "ok" if ok else "fail", "detail": detail}

    results = dict(await asyncio.gather(*(one(r) for r in _checks.values())))
    return all(r["status"] == "ok" for r in results.values()), results
