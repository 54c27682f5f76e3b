"""Malformed input to the palm's API gets a 4xx problem+json, never a 500 (issue 21's battery)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tenohira.palm.people import close_palm_clients
from tests.palm.conftest import resident


async def test_bundles_with_empty_or_odd_procedure_ids_are_422(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    try:
        for procedures in ([""], ["", ""], [" "], ["\x00"], ["child_allowance_claim", ""], ["../etc"], []):
            r = await mother.http.post("/api/applications/bundles", json={"procedures": procedures})
            assert r.status_code == 422, (procedures, r.status_code, r.text[:200])
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["title_ja"]
        for body in ({"procedures": "child_allowance_claim"}, {"procedures": [1, None]}, [], "x", None):
            r = await mother.http.post("/api/applications/bundles", json=body)
            assert 400 <= r.status_code < 500, (body, r.status_code)
        r = await mother.http.post("/api/applications/bundles", json={"procedures": ["x"] * 31})
        assert r.status_code == 422
        # huge numbers in the query string (schemathesis: a 36-digit offset overflowed the driver)
        huge = "124622267603489560711230967223681024"
        for path in ("/api/applications", "/api/notify/inbox", "/api/palm/access-history"):
            for query in ({"offset": huge}, {"limit": huge}, {"offset": "-1"}, {"limit": "1e999"}):
                r = await mother.http.get(path, params=query)
                assert r.status_code == 422, (path, query, r.status_code, r.text[:200])
    finally:
        await mother.http.aclose()
        await close_palm_clients()
