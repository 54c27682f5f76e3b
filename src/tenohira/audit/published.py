"""Gathering the heads of this log that others hold, for ``tenohira audit verify`` (its step 6).

- each configured witness's latest cosigned checkpoint (its cosignature checked with the key the
  platform is configured with, never one the witness hands over);
- the cosignatures stored beside the log (they name heads too: deleting the newest head shows
  even while the witness is unreachable);
- checkpoints given with ``--published`` (files or URLs): an open-data release's JSON, the
  checkpoint a resident's device kept from their access history, or a bare checkpoint note.

Each must carry the log's own signature, so nobody can make ``verify`` fail with a made-up head.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from tenohira.audit.keys import LogKey
from tenohira.audit.models import AuditCosignature
from tenohira.audit.note import Checkpoint, NoteError, SignedCheckpoint, split_note, verify_cosignature
from tenohira.audit.verify import PublishedHead
from tenohira.audit.witnessing import configured_witnesses, fetch_witness_checkpoint, log_origin, log_verifier
from tenohira.core.config import Settings
from tenohira.core.db import Database

CHECKPOINT_KEYS = ("audit_checkpoint", "checkpoint")


@dataclass
class Gathered:
    heads: list[PublishedHead] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each makes verify fail
    notes: list[str] = field(default_factory=list)


def _checkpoints_in(text: str) -> list[str]:
    """Checkpoint notes in a document: JSON (values of ``audit_checkpoint``/``checkpoint`` keys,
    at any depth) or the text itself."""
    try:
        doc = json.loads(text)
    except ValueError:
        return [text]
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in CHECKPOINT_KEYS and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc)
    return found


async def _read(source: str) -> str:
    if source.startswith(("http://", "https://")):
        async with httpx.AsyncClient(timeout=10.0) as http:
            response = await http.get(source)
            response.raise_for_status()
            return response.text
    return await asyncio.to_thread(Path(source).read_text, encoding="utf-8")


async def gather_published(
    settings: Settings,
    db: Database,
    key: LogKey,
    sources: Iterable[str] = (),
    *,
    witnesses: bool = True,
) -> Gathered:
    """Every head of this log held elsewhere (see the module's docstring)."""
    out = Gathered()
    verifier = log_verifier(settings, key)
    origin = log_origin(settings)
    endpoints = configured_witnesses(settings)
    if witnesses:
        for endpoint in endpoints:
            try:
                signed = await fetch_witness_checkpoint(settings, endpoint)
            except httpx.HTTPError as exc:
                out.problems.append(f"witness {endpoint.name} could not be asked ({exc})")
                continue
            if signed is None:
                out.notes.append(f"witness {endpoint.name} has cosigned no head of this log yet")
                continue
            if signed.checkpoint.origin != origin or not signed.signed_by(verifier):
                out.problems.append(
                    f"witness {endpoint.name} holds a checkpoint not signed by this log's key"
                )
                continue
            if signed.cosigned_at(endpoint.verifier) is None:
                out.problems.append(f"witness {endpoint.name} answered a checkpoint without its cosignature")
                continue
            cp = signed.checkpoint
            out.heads.append(PublishedHead(f"witness {endpoint.name}", cp.tree_size, cp.root_hash))

    by_name = {e.name: e.verifier for e in endpoints}
    async with db.session() as session:
        rows = (await session.scalars(select(AuditCosignature).order_by(AuditCosignature.id))).all()
    for row in rows:
        body = Checkpoint(origin, row.tree_size, row.root_hash).body
        witness = by_name.get(row.witness)
        if witness is not None:
            _, lines = split_note("x\n\n" + row.line + "\n")
            if verify_cosignature(body, lines[0], witness) is None:
                out.problems.append(f"stored cosignature id={row.id} of {row.witness} does not verify")
                continue
        out.heads.append(
            PublishedHead(f"a stored cosignature of {row.witness}", row.tree_size, row.root_hash)
        )

    for source in sources:
        try:
            texts = _checkpoints_in(await _read(source))
        except (OSError, httpx.HTTPError) as exc:
            out.problems.append(f"{source} could not be read ({exc})")
            continue
        if not texts:
            out.problems.append(f"{source} holds no checkpoint")
        for text in texts:
            try:
                signed = SignedCheckpoint.parse(text)
            except NoteError as exc:
                out.problems.append(f"{source}: not a checkpoint ({exc})")
                continue
            if signed.checkpoint.origin != origin or not signed.signed_by(verifier):
                out.problems.append(f"{source}: a checkpoint not signed by this log's key")
                continue
            cp = signed.checkpoint
            out.heads.append(PublishedHead(source, cp.tree_size, cp.root_hash))
    return out
