"""What the witness does: cosign a checkpoint that extends the last one it cosigned, refuse the rest.

``add_checkpoint`` follows C2SP tlog-witness ``add-checkpoint``: the request is ``old <size>``,
the consistency proof lines, a blank line and the checkpoint. Checked in order, under the log's row
lock so that two submissions cannot both pass against the same old size (the spec's rollback race):

- malformed request → 400; origin not trusted → 404; no valid signature of the log's key → 403;
- old size larger than the checkpoint → 400;
- old size other than the size last cosigned → 409 with that size (``text/x.tlog.size``);
- same size, other root → 409 (a fork); consistency proof that does not verify → 422 (a fork or
  a rewrite). Refused checkpoints that carry the log's valid signature are kept as evidence.

On success the checkpoint becomes the latest for its origin and the answer is the cosignature line.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit.merkle import EMPTY_ROOT, ProofError, verify_consistency
from tenohira.audit.note import NoteError, SignedCheckpoint, Signer, Verifier
from tenohira.audit.witness.config import WitnessConfig
from tenohira.audit.witness.models import WitnessEvidence, WitnessLog
from tenohira.core.db import Database

MAX_PROOF_LINES = 63
MIGRATIONS = __file__.rsplit("/", 1)[0] + "/migrations"


@dataclass(frozen=True)
class Outcome:
    """An answer of ``add-checkpoint``: status, text body, content type, and a problem slug if refused."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    slug: str | None = None


def _refuse(status: int, slug: str, detail: str) -> Outcome:
    return Outcome(status, detail, slug=slug)


@dataclass(frozen=True)
class Submission:
    old_size: int
    proof: list[bytes]
    signed: SignedCheckpoint
    text: str


def parse_submission(body: bytes) -> Submission:
    """Read an add-checkpoint request body (raises :class:`NoteError`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("the request is UTF-8 text") from exc
    head, sep, rest = text.partition("\n\n")
    if not sep:
        raise NoteError("the request is 'old <size>', proof lines, a blank line and the checkpoint")
    lines = head.split("\n")
    first = lines[0].split(" ")
    if len(first) != 2 or first[0] != "old" or not first[1].isascii() or not first[1].isdigit():
        raise NoteError("the first line is 'old <size>'")
    if first[1] != "0" and first[1].startswith("0"):
        raise NoteError("the old size has no leading zeroes")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise NoteError(f"at most {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            node = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NoteError("each proof line is one base64 hash") from exc
        if len(node) != 32:
            raise NoteError("each proof line is a 32-byte hash")
        proof.append(node)
    return Submission(int(first[1]), proof, SignedCheckpoint.parse(rest), text)


async def add_checkpoint(db: Database, signer: Signer, body: bytes, *, now: float | None = None) -> Outcome:
    """Check a submission and cosign it, or refuse it (see the module's docstring)."""
    try:
        sub = parse_submission(body)
    except NoteError as exc:
        return _refuse(400, "witness-bad-request", str(exc))
    cp = sub.signed.checkpoint
    async with db.session() as session:
        # the lock first: the check of the old size and the update are one step (C2SP's rollback race)
        locked = await session.execute(
            update(WitnessLog).where(WitnessLog.origin == cp.origin).values(origin=WitnessLog.origin)
        )
        if getattr(locked, "rowcount", 0) == 0:
            return _refuse(404, "witness-unknown-log", f"this witness does not follow the log {cp.origin!r}")
        row = await _log(session, cp.origin)
        assert row is not None
        try:
            verifier = Verifier.parse(row.vkey)
        except NoteError:
            return _refuse(500, "witness-bad-log-key", "the witness's record of this log's key is unreadable")
        if not sub.signed.signed_by(verifier):
            return _refuse(403, "witness-bad-log-signature", "no signature of the log's key verifies")
        if sub.old_size > cp.tree_size:
            return _refuse(400, "witness-bad-request", "the old size is larger than the checkpoint's")
        if sub.old_size != row.tree_size:
            if cp.tree_size < row.tree_size:
                await _evidence(session, cp.origin, "rollback", sub)
            return Outcome(409, f"{row.tree_size}\n", "text/x.tlog.size", slug="witness-old-size-mismatch")
        old_root = row.root_hash if row.tree_size and row.root_hash is not None else EMPTY_ROOT
        if sub.old_size == cp.tree_size:
            if sub.proof or (row.tree_size and cp.root_hash != old_root):
                await _evidence(session, cp.origin, "fork-same-size", sub)
                return _refuse(409, "witness-fork", "same size as the cosigned checkpoint, another root hash")
        elif sub.old_size == 0:
            if sub.proof:
                return _refuse(400, "witness-bad-request", "the proof from size 0 is empty")
        else:
            try:
                verify_consistency(sub.old_size, cp.tree_size, old_root, cp.root_hash, sub.proof)
            except ProofError as exc:
                await _evidence(session, cp.origin, "inconsistent", sub)
                return _refuse(422, "witness-inconsistent", f"the consistency proof does not verify: {exc}")
        stamp = int(now if now is not None else time.time())
        line = signer.cosign(sub.signed.body, stamp)
        log_lines = "".join(s.line for s in sub.signed.signatures if s.name == verifier.name)
        row.tree_size = cp.tree_size
        row.root_hash = cp.root_hash
        row.checkpoint = sub.signed.body + "\n" + log_lines + line
        row.updated_at = datetime.fromtimestamp(stamp, UTC)
    return Outcome(200, line)


async def _log(session: AsyncSession, origin: str) -> WitnessLog | None:
    return (
        await session.execute(
            select(WitnessLog).where(WitnessLog.origin == origin).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def _evidence(session: AsyncSession, origin: str, reason: str, sub: Submission) -> None:
    session.add(
        WitnessEvidence(
            origin=origin,
            received_at=datetime.now(UTC),
            reason=reason,
            old_size=sub.old_size,
            tree_size=sub.signed.checkpoint.tree_size,
            request=sub.text,
        )
    )


async def latest_checkpoint(db: Database, origin: str) -> str | None:
    """The latest checkpoint cosigned for ``origin`` (with the log's signature and the cosignature)."""
    async with db.session() as session:
        row = await _log(session, origin)
    return None if row is None else row.checkpoint


async def trust_log(db: Database, origin: str, vkey: str) -> bool:
    """Follow the log ``origin`` with verifier key ``vkey`` (idempotent); True if newly added.

    Re-keying a followed log is refused: a new key cannot vouch for what the old one signed.
    """
    verifier = Verifier.parse(vkey)
    if verifier.name != origin:
        raise NoteError("the verifier key's name must be the log's origin")
    async with db.session() as session:
        row = await _log(session, origin)
        if row is not None:
            if row.vkey != verifier.vkey:
                raise NoteError(f"the witness already follows {origin!r} with another key")
            return False
        session.add(WitnessLog(origin=origin, vkey=verifier.vkey, tree_size=0, added_at=datetime.now(UTC)))
    return True


async def followed_logs(db: Database) -> list[WitnessLog]:
    async with db.session() as session:
        return list((await session.scalars(select(WitnessLog).order_by(WitnessLog.origin))).all())


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.set_main_option("version_locations", MIGRATIONS + "/versions")
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logging"] = False
    return cfg


async def migrate_witness(url: str) -> None:
    """Bring the witness's own database to its newest schema."""
    if url.startswith("sqlite"):
        from pathlib import Path

        Path(url.split(":///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    from tenohira.core.db import ALEMBIC_LOCK

    def upgrade() -> None:
        with ALEMBIC_LOCK:  # alembic's context is process-global (see core.db)
            command.upgrade(_alembic(url), "head")

    await asyncio.to_thread(upgrade)


async def init_witness(config: WitnessConfig) -> Signer:
    """Create the witness's key and migrate its database (idempotent); return its signer."""
    signer = await asyncio.to_thread(config.signer)
    await migrate_witness(config.database_url)
    return signer
