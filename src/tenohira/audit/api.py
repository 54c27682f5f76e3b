"""HTTP API of audit: signed tree heads, proofs and entries (public: entries hold no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import log, repository
from tenohira.audit.keys import SIGNATURE_ALGORITHM, create_key, load_key
from tenohira.audit.schemas import (
    ConsistencyProofOut,
    EntriesOut,
    EntryOut,
    InclusionProofOut,
    LogKeyOut,
    TreeHeadOut,
    b64,
)
from tenohira.audit.witnessing import current_checkpoint, log_origin, log_verifier
from tenohira.core.config import get_settings
from tenohira.core.db import session_dependency
from tenohira.core.health import register_readiness_check
from tenohira.core.problems import Problem

router = APIRouter(prefix="/api/audit", tags=["audit"])

Session = Annotated[AsyncSession, Depends(session_dependency)]
MAX_ENTRIES = 1000


async def _key_check() -> tuple[bool, str]:
    key = load_key(get_settings())
    return True, f"audit log key {key.key_id.hex()[:16]} loaded"


register_readiness_check("audit-key", _key_check)


@router.get("/sth", response_model=TreeHeadOut, summary="The latest signed tree head")
async def get_sth(session: Session) -> TreeHeadOut:
    head = await log.latest_tree_head(session)
    if head is None:
        head = await log.produce_tree_head(session, create_key(get_settings()))
    return TreeHeadOut.of(head)


@router.get(
    "/checkpoint",
    summary="The newest witnessed checkpoint (C2SP signed note with the witnesses' cosignatures)",
    response_class=PlainTextResponse,
)
async def get_checkpoint(session: Session) -> PlainTextResponse:
    settings = get_settings()
    text = await current_checkpoint(session, settings)
    if text is None:
        raise Problem(
            status=404,
            slug="audit-no-checkpoint",
            title="The log has no signed tree head yet",
            title_ja="ログにはまだ署名された木の頭がありません",
        )
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


@router.get("/key", response_model=LogKeyOut, summary="The log's public key (to verify tree heads)")
async def get_key() -> LogKeyOut:
    settings = get_settings()
    key = create_key(settings)
    return LogKeyOut(
        log_id=b64(key.key_id),
        signature_algorithm=SIGNATURE_ALGORITHM,
        public_key_pem=key.public_pem,
        origin=log_origin(settings),
        vkey=log_verifier(settings, key).vkey,
    )


@router.get("/proof/inclusion", response_model=InclusionProofOut, summary="RFC 9162 inclusion proof")
async def get_inclusion(
    session: Session,
    leaf_index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int | None, Query(ge=1, description="default: the current tree")] = None,
) -> InclusionProofOut:
    size = tree_size if tree_size is not None else await log.tree_size(session)
    proof = await log.inclusion_proof(session, leaf_index, size)
    return InclusionProofOut(
        leaf_index=proof.leaf_index,
        tree_size=proof.tree_size,
        leaf_hash=b64(proof.leaf_hash),
        inclusion_path=[b64(h) for h in proof.path],
    )


@router.get("/proof/consistency", response_model=ConsistencyProofOut, summary="RFC 9162 consistency proof")
async def get_consistency(
    session: Session, first: Annotated[int, Query(ge=0)], second: Annotated[int, Query(ge=0)]
) -> ConsistencyProofOut:
    path = await log.consistency_proof(session, first, second)
    return ConsistencyProofOut(first=first, second=second, consistency_path=[b64(h) for h in path])


@router.get("/entries", response_model=EntriesOut, summary="Sequenced entries start..end-1")
async def get_entries(
    session: Session,
    start: Annotated[int, Query(ge=0)] = 0,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> EntriesOut:
    size = await log.tree_size(session)
    stop = min(size, end if end is not None else start + 100, start + MAX_ENTRIES)
    rows = await repository.entries_by_leaf_range(session, start, stop) if stop > start else []
    return EntriesOut(tree_size=size, entries=[EntryOut.of(e) for e in rows])


@router.get("/entries/{leaf_index}", response_model=EntryOut, summary="One sequenced entry")
async def get_entry(session: Session, leaf_index: int) -> EntryOut:
    entry = await repository.entry_by_leaf_index(session, leaf_index)
    if entry is None:
        raise Problem(
            status=404,
            slug="audit-entry-not-found",
            title="No entry at that leaf index",
            title_ja="その番号の記録はありません",
            detail=f"leaf {leaf_index} is not (yet) in the log",
            detail_ja=f"記録番号 {leaf_index} はまだログにありません",
        )
    return EntryOut.of(entry)
