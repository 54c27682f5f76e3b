"""Finish what a resident signed and asked to file, after a crash: the resumer.

A "do them for me" set is filed right after its signature, one application after another; a
single application is filed when the resident submits it. Either way the application is
``signed`` with its idempotency key committed before anything leaves the palm
(:func:`tenohira.palm.applications.request_filing`, :func:`~tenohira.palm.applications.submit`).
If the process dies half-way (kill -9, a power cut), those applications stay signed and unfiled,
and the resident's app may have lost the signature bytes it would need to ask again.

:func:`resume_unfiled` finds them and files them through the hub, as the request would have.
It runs once shortly after start and then every minute (:func:`run`, a background task of the
platform). Exactly once: the key and the application id go with the filing, the agencies answer
a repeated application id with their first answer, and the palm records an answer only while the
application is still signed (compare-and-set), so a filing cut short after the agency accepted
it is recorded once, and a resumer racing a live request (or another instance) files nothing
twice. An agency out of reach leaves the application signed for the next pass; one that refuses
sends it back to the resident as any refusal does.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import structlog

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.palm.applications import SIGNED, PalmContext, submit_bundle
from tenohira.palm.models import Application, Bundle

log = structlog.get_logger("tenohira.palm")

FIRST_PASS_SECONDS = 3.0  # after start: the server is listening by then (the hub may be mounted in it)
INTERVAL_SECONDS = 60.0
QUIET_SECONDS = 60.0  # later passes leave sets touched this recently to the request filing them
ACTOR = "palm:resume"


async def unfiled_bundles(settings: Settings, *, older_than: timedelta) -> list[tuple[str, str]]:
    """(bundle id, owner code) of every set with a signed application whose filing was asked for."""
    cutoff = datetime.now(UTC) - older_than
    async with get_database(settings).session() as session:
        rows = await session.execute(
            sa.select(Bundle.id, Bundle.owner_code)
            .join(Application, Application.bundle_id == Bundle.id)
            .where(
                Application.state == SIGNED,
                Application.idempotency_key.is_not(None),
                Bundle.state.in_(("signed", "submitted")),
                Bundle.updated_at <= cutoff,
            )
            .distinct()
            .order_by(Bundle.id)
        )
        return [(str(b), str(o)) for b, o in rows]


async def resume_unfiled(settings: Settings, *, older_than: timedelta = timedelta(0)) -> dict[str, int]:
    """File every signed application whose filing was asked for and never finished.

    Returns how many applications were filed and how many are still waiting (an agency out of
    reach), over all sets found.
    """
    found = await unfiled_bundles(settings, older_than=older_than)
    filed = waiting = 0
    for bundle_id, owner in found:
        ctx = PalmContext.for_code(owner, ACTOR, settings)
        async with get_database(settings).session() as session:
            bundle = await session.get(Bundle, bundle_id)
            if bundle is None:
                continue
            try:
                apps = await submit_bundle(session, ctx, bundle)
            except Problem as exc:  # the set changed meanwhile (a live request took it)
                log.info("resume skipped a set", bundle=bundle_id, problem=exc.slug)
                continue
            still = sum(1 for a in apps if a.state == SIGNED and a.idempotency_key is not None)
            waiting += still
            filed += sum(1 for a in apps if a.state != SIGNED)
        log.info("resumed a signed set", bundle=bundle_id, waiting=still)
    if found:
        log.info("resume pass", sets=len(found), waiting=waiting)
    return {"sets": len(found), "waiting": waiting, "settled": filed}


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Background task: a first pass shortly after start (everything found), then every minute."""
    delay, quiet = FIRST_PASS_SECONDS, timedelta(0)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return
        try:
            await resume_unfiled(settings, older_than=quiet)
        except Exception:
            log.exception("resuming signed applications failed")
        delay, quiet = INTERVAL_SECONDS, timedelta(seconds=QUIET_SECONDS)
