"""Commands of audit: ``tenohira audit verify | sth | key | show | refusals``."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

app = typer.Typer(help="The transparency log.", no_args_is_help=True)


@app.command()
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable report.")] = False,
    published: Annotated[
        list[str] | None,
        typer.Option(
            "--published",
            help="a file or URL holding heads of this log kept elsewhere (an open-data release's "
            "releases JSON, a resident's kept checkpoint, a checkpoint note); repeatable.",
        ),
    ] = None,
    witnesses: Annotated[
        bool, typer.Option("--witnesses/--no-witnesses", help="ask the configured witnesses (default).")
    ] = True,
) -> None:
    """Recompute the tree from storage, check every signed tree head, and check the heads others
    hold (witnesses, open data, residents) against it; report the first inconsistency."""
    from tenohira.audit.keys import load_key
    from tenohira.audit.published import Gathered, gather_published
    from tenohira.audit.verify import VerifyReport, verify_log
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database
    from tenohira.core.progress import rich_progress

    settings = get_settings()

    async def go() -> tuple[VerifyReport, Gathered]:
        try:
            db, key = get_database(settings), load_key(settings)
            gathered = await gather_published(settings, db, key, published or [], witnesses=witnesses)
            with rich_progress() as progress:
                return await verify_log(db, key, progress, gathered.heads), gathered
        finally:
            await dispose_databases()

    report, gathered = asyncio.run(go())
    if report.ok and gathered.problems:
        report.fail(gathered.problems[0])
    summary = {
        "ok": report.ok,
        "problem": report.problem,
        "tree_size": report.tree_size,
        "root_hash": report.root_hash.hex(),
        "entries_checked": report.entries_checked,
        "subtrees_checked": report.nodes_checked,
        "tree_heads_checked": report.tree_heads_checked,
        "published_heads_checked": report.published_checked,
        "notes": gathered.notes,
    }
    if as_json:
        typer.echo(json.dumps(summary))
    elif report.ok:
        typer.echo(
            f"OK: {report.entries_checked} entries, tree size {report.tree_size}, "
            f"{report.nodes_checked} subtrees, {report.tree_heads_checked} signed tree heads, "
            f"{report.published_checked} published heads; root {report.root_hash.hex()}"
        )
        for note in gathered.notes:
            typer.echo(f"  note: {note}")
    else:
        typer.echo(f"INCONSISTENT: {report.problem}", err=True)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def sth() -> None:
    """Sequence waiting entries, sign a tree head now and have the witnesses cosign it; print JSON."""
    from tenohira.audit.keys import create_key
    from tenohira.audit.log import produce_tree_head
    from tenohira.audit.witnessing import published_checkpoint, witness_latest
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database

    settings = get_settings()

    async def go() -> dict[str, object]:
        try:
            async with get_database(settings).session() as session:
                head = await produce_tree_head(session, create_key(settings))
            await witness_latest(settings)
            async with get_database(settings).session() as session:
                checkpoint = await published_checkpoint(session, settings)
            return {**head.as_json(), "checkpoint": checkpoint}
        finally:
            await dispose_databases()

    typer.echo(json.dumps(asyncio.run(go()), indent=2))


@app.command()
def key() -> None:
    """The log's origin and verifier key: what a witness follows (``tenohira witness follow``)."""
    from tenohira.audit.keys import create_key
    from tenohira.audit.witnessing import log_origin, log_verifier
    from tenohira.core.config import get_settings

    settings = get_settings()
    typer.echo(f"{log_origin(settings)} {log_verifier(settings, create_key(settings)).vkey}")


@app.command()
def show(
    leaf: Annotated[int | None, typer.Option(help="show the entry at this leaf index.")] = None,
    last: Annotated[int, typer.Option(help="show the last N sequenced entries.")] = 10,
    subject: Annotated[str | None, typer.Option(help="entries about this subject reference.")] = None,
) -> None:
    """Show the latest signed tree head and entries (JSON lines)."""
    from tenohira.audit import repository as repo
    from tenohira.audit.log import latest_tree_head, tree_size
    from tenohira.audit.schemas import EntryOut
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database

    settings = get_settings()

    async def go() -> list[str]:
        try:
            async with get_database(settings).session() as session:
                head = await latest_tree_head(session)
                size = await tree_size(session)
                waiting = await repo.count_unsequenced(session)
                lines = [
                    json.dumps(
                        {
                            "tree_size": size,
                            "waiting": waiting,
                            "latest_sth": head.as_json() if head else None,
                        }
                    )
                ]
                if leaf is not None:
                    e = await repo.entry_by_leaf_index(session, leaf)
                    rows = [e] if e is not None else []
                elif subject is not None:
                    rows = await repo.entries_by_subject(session, subject, last)
                else:
                    rows = await repo.entries_by_leaf_range(session, max(0, size - last), size)
                lines += [EntryOut.of(e).model_dump_json() for e in rows]
                return lines
        finally:
            await dispose_databases()

    for line in asyncio.run(go()):
        typer.echo(line)


@app.command()
def refusals(
    hours: Annotated[float, typer.Option(help="look back this many hours.")] = 24.0,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per counted period.")] = False,
) -> None:
    """Strangers' refused requests, counted per source network and minute (``audit:refusals``)."""
    from datetime import UTC, datetime, timedelta

    from tenohira.audit.query import entries_of_type
    from tenohira.audit.refusals import ENTRY_TYPE
    from tenohira.core.config import get_settings
    from tenohira.core.db import dispose_databases, get_database

    settings = get_settings()
    since = datetime.now(UTC) - timedelta(hours=hours)

    async def go() -> list[dict[str, object]]:
        try:
            async with get_database(settings).session() as session:
                return [
                    {"source": e.actor, **e.attributes}
                    async for e in entries_of_type(session, ENTRY_TYPE, since=since)
                ]
        finally:
            await dispose_databases()

    rows = asyncio.run(go())
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (str(row["source"]), str(row["kind"]))
        totals[key] = totals.get(key, 0) + int(str(row["count"]))
    if not totals:
        typer.echo(f"no refused strangers in the last {hours:g} hours")
    for (source, kind), count in sorted(totals.items(), key=lambda kv: -kv[1]):
        typer.echo(f"{count:>8}  {kind:<20} {source}")
