"""The log's side of witnessing: its checkpoints, submitting them to witnesses, their cosignatures.

Every signed tree head is also a C2SP checkpoint (:mod:`tenohira.audit.note`) signed with the
log key under the log's *origin*. The sequencer's task submits the newest head to each configured
witness (``TENOHIRA_WITNESSES``) with a consistency proof from the size that witness last cosigned,
and stores the cosignature it answers. Once a witness holds a head, the operator cannot take it
back: ``tenohira audit verify`` compares what the witnesses (and open data, and residents' devices)
hold with what is stored.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit.keys import LogKey, load_key
from tenohira.audit.log import TreeHead, consistency_proof, latest_tree_head
from tenohira.audit.models import AuditCosignature
from tenohira.audit.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    SignatureLine,
    SignedCheckpoint,
    Signer,
    Verifier,
    split_note,
    verify_cosignature,
)
from tenohira.core.config import Settings
from tenohira.core.db import get_database

log = structlog.get_logger("tenohira.audit")

HTTP_TIMEOUT = 10.0


def log_origin(settings: Settings) -> str:
    """The origin line of the log's checkpoints (``TENOHIRA_AUDIT_ORIGIN``)."""
    return settings.audit_origin or f"tenohira.local/{settings.municipality_code}/audit"


def log_signer(settings: Settings, key: LogKey | None = None) -> Signer:
    """The log key as a signed-note signer under the log's origin."""
    key = key or load_key(settings)
    if key.private is None:
        raise RuntimeError("the log key has no private half")
    return Signer(log_origin(settings), key.private)


def log_verifier(settings: Settings, key: LogKey | None = None) -> Verifier:
    """The log's verifier key (``vkey``), what a witness is configured with."""
    key = key or load_key(settings)
    return Verifier(log_origin(settings), key.public)


def checkpoint_of(settings: Settings, head: TreeHead, key: LogKey | None = None) -> str:
    """The signed checkpoint of a tree head (deterministic: Ed25519 signs the same bytes the same way)."""
    body = Checkpoint(log_origin(settings), head.tree_size, head.root_hash).body
    return body + "\n" + log_signer(settings, key).sign_note(body)


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness the log submits to: where it answers and the key its cosignatures verify with."""

    url: str
    verifier: Verifier
    embedded: bool = False

    @property
    def name(self) -> str:
        return self.verifier.name


def configured_witnesses(settings: Settings) -> list[WitnessEndpoint]:
    """The witnesses of ``TENOHIRA_WITNESSES``: ``embedded`` (the default: the witness mounted at
    ``base_url/witness``, key from its data dir), empty for none, or ``URL VKEY`` pairs, comma-separated."""
    spec = settings.witnesses.strip()
    if not spec:
        return []
    if spec == "embedded":
        from tenohira.audit.witness import WitnessConfig

        signer = WitnessConfig.from_settings(settings).signer()
        return [
            WitnessEndpoint(
                settings.resolved_base_url + "/witness", signer.verifier(ALG_COSIGNATURE_V1), embedded=True
            )
        ]
    out = []
    for item in spec.split(","):
        parts = item.split()
        if len(parts) != 2:
            raise ValueError(f"TENOHIRA_WITNESSES: {item.strip()!r} is not 'URL VKEY'")
        out.append(WitnessEndpoint(parts[0].rstrip("/"), Verifier.parse(parts[1])))
    return out


async def call_witness(
    endpoint: WitnessEndpoint, settings: Settings, method: str, path: str, content: str | None = None
) -> httpx.Response:
    """One HTTP request to a witness. The embedded witness (mounted at ``base_url/witness``) is asked
    in-process — its own app, key and database — when nothing serves the platform (a command on the
    operator's shell, ``audit verify``); every other witness only over the network."""
    try:
        async with httpx.AsyncClient(base_url=endpoint.url, timeout=HTTP_TIMEOUT) as http:
            return await http.request(method, path, content=content)
    except httpx.ConnectError:
        if not endpoint.embedded:
            raise
    from tenohira.audit.witness.app import create_app

    app = create_app(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://witness", timeout=HTTP_TIMEOUT
        ) as http:
            return await http.request(method, path, content=content)
    finally:
        await app.state.on_shutdown()


class WitnessRefused(Exception):
    """A witness refused a checkpoint of this log (a rollback, a fork, or a misconfiguration)."""


async def last_cosigned(session: AsyncSession, witness: str) -> AuditCosignature | None:
    """The largest checkpoint this witness is known (stored) to have cosigned."""
    return (
        await session.execute(
            select(AuditCosignature)
            .where(AuditCosignature.witness == witness)
            .order_by(AuditCosignature.tree_size.desc(), AuditCosignature.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _request_body(session: AsyncSession, old: int, head: TreeHead, checkpoint: str) -> str:
    proof = await consistency_proof(session, old, head.tree_size) if 0 < old < head.tree_size else []
    return f"old {old}\n" + "".join(base64.b64encode(p).decode() + "\n" for p in proof) + "\n" + checkpoint


async def submit_head(
    session: AsyncSession,
    settings: Settings,
    endpoint: WitnessEndpoint,
    head: TreeHead,
) -> AuditCosignature:
    """Have ``endpoint`` cosign ``head`` (C2SP add-checkpoint); store its cosignature (caller's transaction).

    Starts from the size this log stored as last cosigned by that witness; if the witness answers
    409 with another size (it knows a newer head, or our record is gone), retries once from there.
    Raises :class:`WitnessRefused` for any other refusal.
    """
    checkpoint = checkpoint_of(settings, head)
    last = await last_cosigned(session, endpoint.name)
    old = last.tree_size if last is not None and last.tree_size <= head.tree_size else 0
    for _attempt in range(2):
        body = await _request_body(session, old, head, checkpoint)
        response = await call_witness(endpoint, settings, "POST", "/add-checkpoint", body)
        if response.status_code == 409 and response.headers.get("content-type", "").startswith(
            "text/x.tlog.size"
        ):
            known = int(response.text.strip() or "0")
            if known > head.tree_size:
                raise WitnessRefused(
                    f"witness {endpoint.name} has cosigned tree size {known}, larger than this log's "
                    f"{head.tree_size}: the log was rolled back"
                )
            old = known
            continue
        if response.status_code != 200:
            raise WitnessRefused(
                f"witness {endpoint.name} answered {response.status_code}: {response.text[:300]}"
            )
        cosigned = Checkpoint(log_origin(settings), head.tree_size, head.root_hash).body
        for raw in response.text.splitlines():
            try:
                _, lines = split_note("x\n\n" + raw + "\n")
            except NoteError:
                continue
            line = lines[0]
            timestamp = verify_cosignature(cosigned, line, endpoint.verifier)
            if timestamp is not None:
                row = AuditCosignature(
                    witness=endpoint.name,
                    tree_size=head.tree_size,
                    root_hash=head.root_hash,
                    timestamp=timestamp,
                    line=line.line.rstrip("\n"),
                )
                session.add(row)
                await session.flush()
                return row
        raise WitnessRefused(f"witness {endpoint.name} answered no cosignature that verifies with its key")
    raise WitnessRefused(f"witness {endpoint.name} kept answering 409 (another submission raced ours)")


async def witness_latest(settings: Settings) -> int:
    """Submit the newest signed tree head to every configured witness that has not cosigned it; return
    how many cosignatures were stored. A witness that is down is tried again next time."""
    witnesses = configured_witnesses(settings)
    if not witnesses:
        return 0
    stored = 0
    db = get_database(settings)
    for endpoint in witnesses:
        async with db.session() as session:
            head = await latest_tree_head(session)
            if head is None:
                return 0
            last = await last_cosigned(session, endpoint.name)
            if last is not None and (last.tree_size, last.root_hash) == (head.tree_size, head.root_hash):
                continue
            try:
                await submit_head(session, settings, endpoint, head)
                stored += 1
            except WitnessRefused as exc:
                log.error("a witness refused the log's tree head", witness=endpoint.name, problem=str(exc))
            except httpx.HTTPError as exc:
                log.warning("witness unreachable; trying again later", witness=endpoint.name, error=str(exc))
            except Exception:  # a broken witness must not stop the log (an embedded one not initialised)
                log.exception("asking a witness failed; trying again later", witness=endpoint.name)
    return stored


async def cosignatures_of(session: AsyncSession, tree_size: int, root_hash: bytes) -> list[AuditCosignature]:
    """Stored cosignatures of the checkpoint (tree_size, root_hash)."""
    rows = await session.scalars(
        select(AuditCosignature)
        .where(AuditCosignature.tree_size == tree_size, AuditCosignature.root_hash == root_hash)
        .order_by(AuditCosignature.id)
    )
    return list(rows.all())


async def published_checkpoint(session: AsyncSession, settings: Settings) -> str | None:
    """The newest checkpoint that witnesses cosigned, as a signed note carrying the log's signature and
    every stored cosignature of it (what open-data releases and residents' histories carry); None if
    no head has been cosigned yet (then the newest head, signed by the log alone)."""
    size = await session.scalar(select(func.max(AuditCosignature.tree_size)))
    if size is None:
        head = await latest_tree_head(session)
        return None if head is None else checkpoint_of(settings, head)
    last = (
        (
            await session.execute(
                select(AuditCosignature)
                .where(AuditCosignature.tree_size == size)
                .order_by(AuditCosignature.id.desc())
            )
        )
        .scalars()
        .first()
    )
    assert last is not None
    body = Checkpoint(log_origin(settings), last.tree_size, last.root_hash).body
    rows = await cosignatures_of(session, last.tree_size, last.root_hash)
    seen: dict[str, str] = {}
    for r in rows:
        seen.setdefault(r.witness, r.line)  # one (the first) cosignature per witness
    return body + "\n" + log_signer(settings).sign_note(body) + "".join(line + "\n" for line in seen.values())


async def current_checkpoint(session: AsyncSession, settings: Settings) -> str | None:
    """:func:`published_checkpoint` for other modules to hand out (an open-data release, a
    resident's access history); None before the log has a key or a head."""
    try:
        return await published_checkpoint(session, settings)
    except FileNotFoundError:
        return None


async def fetch_witness_checkpoint(settings: Settings, endpoint: WitnessEndpoint) -> SignedCheckpoint | None:
    """The latest checkpoint of this log that ``endpoint`` cosigned (None if none); raises httpx errors."""
    path = f"/logs/{quote(log_origin(settings), safe='/')}/checkpoint"
    response = await call_witness(endpoint, settings, "GET", path)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    try:
        return SignedCheckpoint.parse(response.text)
    except NoteError as exc:
        raise httpx.HTTPError(f"witness {endpoint.name} answered a malformed checkpoint: {exc}") from exc


__all__ = [
    "SignatureLine",
    "WitnessEndpoint",
    "WitnessRefused",
    "checkpoint_of",
    "configured_witnesses",
    "fetch_witness_checkpoint",
    "log_origin",
    "log_verifier",
    "published_checkpoint",
    "submit_head",
    "witness_latest",
]
