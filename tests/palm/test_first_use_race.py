"""A fresh login's first requests arrive together: the palm's person and card link are made once.

Found by the attack battery (issue 21): six concurrent requests right after a card login
answered 500 five times (``UNIQUE constraint failed: palm_people.code`` / ``palm_card_links``),
because the person and the card link were created check-then-insert.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenohira.core import get_database
from tenohira.palm.models import CardLink, Person
from tenohira.palm.people import close_palm_clients, ensure_person
from tests.palm.conftest import resident


async def test_concurrent_first_requests_after_login_all_succeed(
    database_url: str, live_server: Any, tmp_path: Path
) -> None:
    # database_url first: the platform runs on SQLite and, when configured, on PostgreSQL
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    try:
        paths = ["/api/applications", "/api/notices"] * 4
        answers = await asyncio.gather(*(mother.http.get(p) for p in paths))
        assert [r.status_code for r in answers] == [200] * len(paths), [r.text[:200] for r in answers]
        async with get_database().session() as session:
            links = (await session.execute(sa.select(CardLink))).scalars().all()
            assert [link.card_serial for link in links] == [mother.issued.auth_serial]
            people = (await session.execute(sa.select(Person.code))).scalars().all()
            assert people == [links[0].code]
    finally:
        await mother.http.aclose()
        await close_palm_clients()


async def test_ensure_person_is_idempotent_under_concurrency(migrated_db: Any) -> None:
    now = datetime.now(UTC)

    async def first_sight() -> str:
        async with migrated_db.session() as session:
            person = await ensure_person(session, "palm-race-1", now)
            await asyncio.sleep(0)  # let the others reach their insert before this one commits
            return person.code

    codes = await asyncio.gather(*(first_sight() for _ in range(8)))
    assert codes == ["palm-race-1"] * 8
    async with migrated_db.session() as session:
        count = (await session.execute(sa.select(sa.func.count()).select_from(Person))).scalar_one()
    assert count == 1


async def test_a_session_touch_does_not_hold_the_database_through_hub_calls(
    database_url: str, live_server: Any, tmp_path: Path
) -> None:
    # Issue 21's hub error under fuzzing: a bearer session last seen more than 30 s ago is touched
    # on its next request. Pending in the request's unit of work, that UPDATE held the embedded
    # SQLite database's write lock while the palm prefilled through the hub; the hub (same
    # database) waited 10 s per call for it and answered 500, and prefill lost every source.
    from tenohira.identity.models import LoginSession

    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    try:
        assert (await mother.http.get("/api/applications")).status_code == 200  # link made
        async with get_database().session() as session:
            await session.execute(
                sa.update(LoginSession).values(last_seen_at=datetime.now(UTC) - timedelta(seconds=45))
            )
        started = time.monotonic()
        r = await mother.http.post(
            "/api/applications/bundles", json={"procedures": ["child_allowance_claim"]}
        )
        took = time.monotonic() - started
        assert r.status_code == 201, r.text
        (app,) = r.json()["applications"]
        assert app["sources"], "prefill got nothing from the agencies"
        assert took < 10, f"the bundle took {took:.1f} s (a lock wait is 10 s)"
    finally:
        await mother.http.aclose()
        await close_palm_clients()
