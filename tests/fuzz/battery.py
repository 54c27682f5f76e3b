"""A battery of hostile requests (issue 21's findings) against a live platform: the 5xx they get.

Schemathesis generates from the OpenAPI and rarely builds these: JSON nested far beyond
Python's recursion limit on every operation that takes a body, bodies far over the route's
limit, query texts that look like SQL or carry control characters, 40-digit numbers in every
numeric query parameter, and a fresh login's first requests sent all at once.
``make fuzz`` runs it after schemathesis (``tests/fuzz/openapi.py``).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import httpx

DEEP = [b"[" * 20_000 + b"]" * 20_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000]
TEXTS = ["' OR '1'='1' --", '" UNION SELECT sql FROM sqlite_master --', "\x00\x01\x1b[31m\x7f", "%s%n{}${}"]
HUGE = "1" + "0" * 40


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


async def run(url: str, token: str, fresh_token: str | None = None) -> tuple[int, list[str]]:
    """Send the battery; the number of requests and a line for each 5xx answer."""
    auth = {"Authorization": f"Bearer {token}"}
    tried = 0
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def send(method: str, path: str, *, oversized: bool = False, **kwargs: Any) -> None:
            nonlocal tried
            tried += 1
            try:
                if oversized:  # on a connection of its own: the server closes it after the 413
                    async with httpx.AsyncClient(base_url=url, timeout=60) as once:
                        r = await once.request(method, path, **kwargs)
                else:
                    r = await http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                # refused before the body was all sent: the 413 came and the connection closed
                # under the client's upload (the server's log has the 413)
                if not oversized:
                    errors.append(f"{method} {path}: {type(exc).__name__}")
                return
            if r.status_code >= 500:
                errors.append(f"{method} {path}: {r.status_code} {r.text[:120]}")

        specs = [("", (await http.get("/openapi.json")).json())]
        for prefix in ("/hub", "/agencies/municipality", "/agencies/hospital", "/agencies/insurer"):
            specs.append((prefix, (await http.get(f"{prefix}/openapi.json")).json()))
        for prefix, spec in specs:
            for path, ops in spec["paths"].items():
                target = prefix + _concrete(path)
                for method, op in ops.items():
                    if target.endswith("/logout"):
                        continue
                    if method in ("post", "put", "patch"):
                        for body in DEEP:
                            # over a small route's limit too (1 KiB for a challenge): refused unread
                            await send(
                                method,
                                target,
                                oversized=True,
                                content=body,
                                headers={**auth, "content-type": "application/json"},
                            )
                        big = b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}'  # over every route's limit
                        await send(
                            method,
                            target,
                            oversized=True,
                            content=big,
                            headers={**auth, "content-type": "application/json"},
                        )
                    for param in op.get("parameters", []):
                        if param.get("in") != "query":
                            continue
                        kind = param.get("schema", {}).get("type")
                        values = [HUGE, "-" + HUGE, "1e999"] if kind in ("integer", "number") else TEXTS
                        for value in values:
                            await send(method, target, params={param["name"]: value}, headers=auth)
        for text in TEXTS:
            await send("GET", "/opendata", params={"q": text})
        if fresh_token:  # a fresh login's first requests, all at once
            fresh = {"Authorization": f"Bearer {fresh_token}"}
            answers = await asyncio.gather(
                *(http.get(p, headers=fresh) for p in ["/api/applications", "/api/notices"] * 4)
            )
            tried += len(answers)
            errors += [
                f"GET (first use) {r.url.path}: {r.status_code}" for r in answers if r.status_code >= 500
            ]
    return tried, errors


def summary(tried: int, errors: list[str]) -> str:
    kinds = Counter(e.split(":")[0] for e in errors)
    lines = [f"battery: {tried} requests, {len(errors)} with 5xx or no answer"]
    lines += [f"  {n} × {k}" for k, n in kinds.most_common(20)]
    return "\n".join(lines)
