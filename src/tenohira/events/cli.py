"""Commands of events: ``tenohira events status | retry``."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

app = typer.Typer(help="Domain events: the outbox and its delivery.", no_args_is_help=True)


async def _status(failing_limit: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database
    from tenohira.events.models import OutboxEvent

    try:
        async with get_database(get_settings()).session() as s:
            pending = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
            dispatched = (
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_not(None))
            )
            rows = await s.execute(
                select(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.attempts > 0)
                .order_by(OutboxEvent.id)
                .limit(failing_limit)
            )
            failing = [
                {
                    "event_id": r.event_id,
                    "topic": r.topic,
                    "key": r.key,
                    "attempts": r.attempts,
                    "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
                    "last_error": r.last_error,
                }
                for r in rows.scalars()
            ]
            return {
                "bus": get_settings().event_bus,
                "pending": int(await s.scalar(pending) or 0),
                "dispatched": int(await s.scalar(dispatched) or 0),
                "failing": failing,
            }
    finally:
        await dispose_databases()


@app.command()
def status(limit: Annotated[int, typer.Option(help="show at most N failing events.")] = 20) -> None:
    """Pending and dispatched counts, and the events whose handlers keep failing (JSON)."""
    typer.echo(json.dumps(asyncio.run(_status(limit)), ensure_ascii=False, indent=2))


@app.command()
def retry() -> None:
    """Retry every failing event now instead of after its back-off."""
    from sqlalchemy import update

    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database
    from tenohira.events.models import OutboxEvent

    async def go() -> int:
        try:
            async with get_database(get_settings()).session() as s:
                result = await s.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.attempts > 0)
                    .values(next_attempt_at=None)
                )
                return int(getattr(result, "rowcount", 0) or 0)
        finally:
            await dispose_databases()

    typer.echo(f"{asyncio.run(go())} events will be retried at once")
