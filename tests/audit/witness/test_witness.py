"""The witness on its own: it cosigns extensions and refuses forks and rollbacks (C2SP tlog-witness).

Over httpx's ASGI transport against the witness app with its own key and SQLite database; the
log is played by a test key and an in-memory tree (the reference Merkle functions).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from tenohira.audit.merkle import leaf_hash, reference_consistency_proof, root_from_leaf_hashes
from tenohira.audit.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    SignedCheckpoint,
    Signer,
    Verifier,
    split_note,
    verify_cosignature,
)
from tenohira.audit.witness import WitnessConfig, init_witness, trust_log
from tenohira.audit.witness.app import create_app
from tenohira.audit.witness.models import WitnessEvidence
from tenohira.core.db import Database

ORIGIN = "tenohira.test/audit"


class Log:
    """A log in memory: leaves, and checkpoints signed with its key."""

    def __init__(self, key: Ed25519PrivateKey | None = None) -> None:
        self.signer = Signer(ORIGIN, key or Ed25519PrivateKey.generate())
        self.leaves: list[bytes] = []

    def grow(self, n: int, tag: str = "") -> None:
        self.leaves += [leaf_hash(f"{tag}{len(self.leaves) + i}".encode()) for i in range(n)]

    def checkpoint(self, size: int | None = None) -> str:
        size = len(self.leaves) if size is None else size
        body = Checkpoint(ORIGIN, size, root_from_leaf_hashes(self.leaves[:size])).body
        return body + "\n" + self.signer.sign_note(body)

    def request(self, old: int, size: int | None = None, proof: list[bytes] | None = None) -> str:
        size = len(self.leaves) if size is None else size
        if proof is None:
            proof = reference_consistency_proof(old, self.leaves[:size]) if 0 < old < size else []
        lines = "".join(base64.b64encode(p).decode() + "\n" for p in proof)
        return f"old {old}\n{lines}\n{self.checkpoint(size)}"


@pytest.fixture
async def witness(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, WitnessConfig, Log]]:
    config = WitnessConfig(
        "witness.test/w1", tmp_path / "w", f"sqlite+aiosqlite:///{tmp_path / 'w' / 'w.db'}"
    )
    await init_witness(config)
    log = Log()
    db = Database(config.database_url)
    assert await trust_log(db, ORIGIN, log.signer.verifier().vkey)
    assert not await trust_log(db, ORIGIN, log.signer.verifier().vkey)  # idempotent
    with pytest.raises(NoteError):  # a followed log cannot be re-keyed
        await trust_log(db, ORIGIN, Signer(ORIGIN, Ed25519PrivateKey.generate()).verifier().vkey)
    await db.dispose()
    app = create_app(config=config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as http:
        yield http, config, log
    await app.state.on_shutdown()


def _verifier(config: WitnessConfig) -> Verifier:
    return config.signer().verifier(ALG_COSIGNATURE_V1)


async def _add(http: httpx.AsyncClient, body: str) -> httpx.Response:
    return await http.post("/add-checkpoint", content=body)


async def test_cosigns_the_first_checkpoint_and_then_only_extensions(
    witness: tuple[httpx.AsyncClient, WitnessConfig, Log],
) -> None:
    http, config, log = witness
    log.grow(5)
    r = await _add(http, log.request(0))
    assert r.status_code == 200, r.text
    body = Checkpoint(ORIGIN, 5, root_from_leaf_hashes(log.leaves)).body
    _, (line,) = split_note("x\n\n" + r.text)
    assert verify_cosignature(body, line, _verifier(config)) is not None
    # the witness's key, fetched as a vkey, verifies the same line
    vkey = (await http.get("/key")).json()["vkey"]
    assert verify_cosignature(body, line, Verifier.parse(vkey)) is not None
    # and it is not a signature over anything else
    other = Checkpoint(ORIGIN, 6, root_from_leaf_hashes(log.leaves)).body
    assert verify_cosignature(other, line, _verifier(config)) is None

    for grow in (1, 2, 10, 17):
        old = len(log.leaves)
        log.grow(grow)
        r = await _add(http, log.request(old))
        assert r.status_code == 200, r.text
    latest = SignedCheckpoint.parse((await http.get(f"/logs/{ORIGIN}/checkpoint")).text)
    assert latest.checkpoint.tree_size == 35
    assert latest.signed_by(log.signer.verifier()) and latest.cosigned_at(_verifier(config))
    # the same head again is cosigned again (a log re-signs an unchanged tree hourly)
    assert (await _add(http, log.request(35))).status_code == 200


async def test_refuses_a_rollback(witness: tuple[httpx.AsyncClient, WitnessConfig, Log]) -> None:
    http, config, log = witness
    log.grow(20)
    assert (await _add(http, log.request(0))).status_code == 200
    # an older head, claiming to start from nothing: the witness answers what it holds
    r = await _add(http, log.request(0, size=12))
    assert r.status_code == 409 and r.headers["content-type"].startswith("text/x.tlog.size")
    assert r.text == "20\n"
    # from the right old size, but smaller: a bad request
    r = await _add(http, log.request(20, size=12, proof=[]))
    assert r.status_code == 400
    latest = SignedCheckpoint.parse((await http.get(f"/logs/{ORIGIN}/checkpoint")).text)
    assert latest.checkpoint.tree_size == 20
    db = Database(config.database_url)
    async with db.session() as s:
        reasons = [e.reason for e in await s.scalars(select(WitnessEvidence))]
    await db.dispose()
    assert reasons == ["rollback"]  # kept: it carries the log's valid signature


async def test_refuses_a_fork(witness: tuple[httpx.AsyncClient, WitnessConfig, Log]) -> None:
    http, _config, log = witness
    log.grow(8)
    assert (await _add(http, log.request(0))).status_code == 200
    # the operator rewrites leaf 3 and recomputes everything, signing with the real log key
    forked = Log(log.signer.private)
    forked.leaves = list(log.leaves)
    forked.leaves[3] = leaf_hash(b"rewritten")
    # same size, another root
    r = await _add(http, forked.request(8))
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("witness-fork")
    # grown, with the honest-looking proof of the forked tree: does not verify against what was cosigned
    forked.grow(5, "f")
    r = await _add(http, forked.request(8))
    assert r.status_code == 422 and r.json()["type"].endswith("witness-inconsistent")
    # the honest log still extends
    log.grow(5)
    assert (await _add(http, log.request(8))).status_code == 200


async def test_refuses_strangers_and_nonsense(witness: tuple[httpx.AsyncClient, WitnessConfig, Log]) -> None:
    http, _config, log = witness
    log.grow(3)
    impostor = Log()
    impostor.leaves = list(log.leaves)
    r = await _add(http, impostor.request(0))
    assert r.status_code == 403  # origin known, signature not by the log's key
    other = log.request(0).replace(ORIGIN, "elsewhere.test/log")
    assert (await _add(http, other)).status_code == 404
    for body in ("", "old 0\n", "old -1\n\n" + log.checkpoint(), "old 01\n\n" + log.checkpoint(), "\xff"):
        r = await _add(http, body)
        assert r.status_code == 400, body
    r = await _add(http, "old 0\n" + "AAAA\n" * 64 + "\n" + log.checkpoint())
    assert r.status_code == 400
    r = await http.post("/add-checkpoint", content=b"x" * 200_000)
    assert r.status_code == 413
    assert (await http.get("/logs/nobody.test/checkpoint/checkpoint")).status_code == 404


async def test_mounted_without_lifespan_it_makes_its_tables_on_first_use(tmp_path: Path) -> None:
    # Mounted in the platform (no lifespan of its own) on a data directory nobody initialised:
    # it answered 500 (no such table) to every checkpoint the audit log sent it.
    url = f"sqlite+aiosqlite:///{tmp_path / 'w' / 'w.db'}"
    config = WitnessConfig("witness.test/w2", tmp_path / "w", url)
    app = create_app(config=config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as http:
        log = Log()
        log.grow(2)
        assert (await _add(http, log.request(0))).status_code == 404  # a log it does not follow
        assert (await http.get(f"/logs/{ORIGIN}/checkpoint")).status_code == 404
    await app.state.on_shutdown()


def test_signed_notes_match_the_go_reference() -> None:
    """The example note of golang.org/x/mod/sumdb/note (the format C2SP signed-note specifies)."""
    from tenohira.audit.note import verify_note_signature

    verifier = Verifier.parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    text = (
        "If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n"
        "\n"
        "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS"
        "NXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    )
    body, (line,) = split_note(text)
    assert verify_note_signature(body, line, verifier)
    assert not verify_note_signature(body.replace("answer", "Answer"), line, verifier)
    # and a key id that does not match its key is refused
    with pytest.raises(NoteError):
        Verifier.parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


async def test_the_witness_schema_matches_its_migrations(tmp_path: Path) -> None:
    """``alembic check`` for the witness's own database (its models against its migrations)."""
    import asyncio

    from alembic import command

    from tenohira.audit.witness.service import _alembic, migrate_witness

    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    await migrate_witness(url)
    await asyncio.to_thread(command.check, _alembic(url))
    # the platform's tables are not in it, nor the witness's in the platform's history
    from sqlalchemy import inspect

    db = Database(url)
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await db.dispose()
    assert tables == {"witness_logs", "witness_evidence", "witness_alembic_version"}
