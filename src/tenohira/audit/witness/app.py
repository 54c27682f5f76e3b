"""The witness as its own ASGI application (``tenohira witness serve``, or mounted at /witness).

- ``POST /add-checkpoint`` — C2SP tlog-witness: cosign a checkpoint (answer: the cosignature line).
- ``GET /logs/{origin}/checkpoint`` — the latest checkpoint it cosigned for a log, with the log's
  signature and its cosignature (for monitors and ``tenohira audit verify``; not part of C2SP).
- ``GET /key`` — its name and verifier key (``vkey``); ``GET /healthz``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from tenohira.audit.note import ALG_COSIGNATURE_V1, MAX_NOTE
from tenohira.audit.witness.config import WitnessConfig
from tenohira.audit.witness.service import add_checkpoint, init_witness, latest_checkpoint
from tenohira.core.config import Settings, get_settings
from tenohira.core.db import Database
from tenohira.core.problems import Problem, install_problem_handlers

MAX_REQUEST = MAX_NOTE  # a checkpoint with its signatures and 63 proof lines take a few KiB


class _State:
    """The witness's database per event loop (async drivers bind connections to their loop)."""

    def __init__(self, config: WitnessConfig) -> None:
        self.config = config
        self.databases: dict[int, Database] = {}
        self.ready = asyncio.Lock()
        self.initialised = False

    async def db(self) -> Database:
        # Mounted in the platform the witness gets no lifespan: its key and tables are made on
        # first use (idempotent), so that a fresh data directory never answers 500.
        if not self.initialised:
            async with self.ready:
                if not self.initialised:
                    await init_witness(self.config)
                    self.initialised = True
        loop = id(asyncio.get_running_loop())
        db = self.databases.get(loop)
        if db is None:
            db = self.databases[loop] = Database(self.config.database_url)
        return db

    async def aclose(self) -> None:
        loop = id(asyncio.get_running_loop())
        db = self.databases.pop(loop, None)
        if db is not None:
            await db.dispose()


def _problem(status: int, slug: str, detail: str) -> Problem:
    return Problem(
        status=status,
        slug=slug,
        title="The witness refused the checkpoint",
        title_ja="証人（ウィットネス）がチェックポイントを拒否しました",
        detail=detail,
    )


def create_app(settings: Settings | None = None, *, config: WitnessConfig | None = None) -> FastAPI:
    """Build the witness application for ``config`` (default: from the settings)."""
    config = config or WitnessConfig.from_settings(settings or get_settings())
    state = _State(config)
    signer = config.signer()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await state.db()  # served alone: ready before the first request
        try:
            yield
        finally:
            await state.aclose()

    app = FastAPI(
        title="tenohira witness",
        summary="An independent witness of transparency logs (C2SP tlog-witness)",
        lifespan=lifespan,
    )
    app.state.on_shutdown = state.aclose  # a mounting app calls this (mounted apps get no lifespan)
    install_problem_handlers(app)

    @app.post("/add-checkpoint", summary="Cosign a checkpoint that extends the last one cosigned")
    async def add(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST:
                raise _problem(413, "witness-request-too-large", f"at most {MAX_REQUEST} bytes")
        outcome = await add_checkpoint(await state.db(), signer, bytes(body))
        if outcome.status == 200 or outcome.content_type.startswith("text/x.tlog.size"):
            return PlainTextResponse(outcome.body, outcome.status, media_type=outcome.content_type)
        raise _problem(outcome.status, outcome.slug or "witness-refused", outcome.body)

    @app.get("/logs/{origin:path}/checkpoint", summary="The latest checkpoint cosigned for a log")
    async def checkpoint(origin: str) -> Response:
        text = await latest_checkpoint(await state.db(), origin)
        if text is None:
            raise Problem(
                status=404,
                slug="witness-no-checkpoint",
                title="The witness has cosigned nothing for this log",
                title_ja="この記録について証人が署名したものはありません",
                detail=f"no checkpoint of {origin!r}",
            )
        return PlainTextResponse(text, headers={"Cache-Control": "no-store"})

    @app.get("/key", summary="The witness's name and verifier key")
    async def key() -> dict[str, Any]:
        verifier = signer.verifier(ALG_COSIGNATURE_V1)
        return {"name": verifier.name, "vkey": verifier.vkey, "cosignature": "cosignature/v1 (Ed25519)"}

    @app.get("/healthz", summary="Liveness")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "name": config.name})

    return app


__all__ = ["create_app"]
