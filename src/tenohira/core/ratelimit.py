"""Rate limits at the edges that face the internet: token buckets, a 429 problem with Retry-After.

Each limited thing has a :class:`Rate` (a bucket of ``burst`` tokens refilled at ``per_minute``
a minute); each request takes a token from the bucket of its key (the source address, or a
card) and is refused with 429 ``urn:tenohira:problem:rate-limited`` and ``Retry-After`` when
the bucket is empty. Two ways in:

- :class:`RateLimits`, a pure ASGI middleware with route rules (:class:`RateRule`) keyed by
  the request's source address (``scope["client"]``: behind a reverse proxy, run uvicorn with
  ``--forwarded-allow-ips`` so that the client is the real one);
- :func:`take`, for an endpoint whose key is in the body (login attempts per card), which uses
  the buckets of the middleware in front of it (nothing is limited without one).

The buckets live in the process (:class:`MemoryBuckets`, bounded: least recently used keys are
forgotten past ``max_keys``). That is right for the embedded default and for one instance; with
several instances behind a load balancer each keeps its own, so a client may get up to N times
the rate — see docs/security.md for a shared store.
"""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tenohira.core.problems import Problem, problem_response

_SCOPE_KEY = "tenohira.rate_limits"


@dataclass(frozen=True)
class Rate:
    """A bucket of ``burst`` tokens, refilled at ``per_minute`` tokens a minute."""

    burst: int
    per_minute: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class Buckets(Protocol):
    """Where token buckets are kept (in the process, or shared by several instances)."""

    async def take(self, key: str, rate: Rate) -> float:
        """Take one token from ``key``'s bucket: 0 when taken, else the seconds until one is there."""
        ...


class MemoryBuckets:
    """Token buckets in this process; at most ``max_keys`` of them (the least recently used go)."""

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def take(self, key: str, rate: Rate) -> float:
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - last) * rate.per_second)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / rate.per_second if rate.per_second > 0 else math.inf
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


@dataclass(frozen=True)
class RateRule:
    """Requests whose path matches ``path`` (a regular expression, in full) with one of
    ``methods`` take a token of ``name``'s bucket for their source address."""

    name: str
    path: str
    rate: Rate
    methods: frozenset[str] = frozenset({"POST"})
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.path))

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and self.pattern.fullmatch(path) is not None


def rate_limited(retry_after: float, what: str) -> Problem:
    """429 with Retry-After (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(retry_after))
    return Problem(
        429,
        "rate-limited",
        "Too many requests",
        "リクエストが多すぎます",
        detail=f"Too many {what} in a short time. Try again in {seconds} s.",
        detail_ja=f"短い間に多くの操作がありました。{seconds} 秒ほど待ってから、もう一度お試しください。",
        extra={"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )


def source_of(scope: Scope) -> str:
    """The request's source address (what the server, or a trusted proxy, says the client is)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimits:
    """Pure ASGI middleware: route rules keyed by source address (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rules: Sequence[RateRule] = (),
        buckets: Buckets | None = None,
        enabled: bool = True,
    ) -> None:
        self.app = app
        self.rules = tuple(rules)
        self.buckets: Buckets = buckets or MemoryBuckets()
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        scope[_SCOPE_KEY] = self
        for rule in self.rules:
            if rule.matches(scope["method"], scope["path"]):
                wait = await self.buckets.take(f"{rule.name}:{source_of(scope)}", rule.rate)
                if wait > 0:
                    response = problem_response(rate_limited(wait, "requests"), scope["path"])
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def take(request: Request, name: str, key: str, rate: Rate, what: str = "attempts") -> None:
    """Take a token of ``name``'s bucket for ``key`` (a card, an account), or raise the 429.

    Uses the buckets of the :class:`RateLimits` in front of the app; without one (a bare router
    in a test, limits switched off) nothing is limited.
    """
    limits = request.scope.get(_SCOPE_KEY)
    if not isinstance(limits, RateLimits):
        return
    wait = await limits.buckets.take(f"{name}:{key}", rate)
    if wait > 0:
        raise rate_limited(wait, what)
