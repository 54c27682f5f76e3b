"""Commands of the witness: ``tenohira witness serve | init | key | follow | logs``."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="An independent witness of transparency logs (C2SP tlog-witness).", no_args_is_help=True
)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="the witness's own directory (key, SQLite database).")
]
DatabaseUrl = Annotated[
    str | None, typer.Option(help="the witness's own database (default SQLite in data dir).")
]
Name = Annotated[str | None, typer.Option(help="its key name in cosignatures, e.g. witness.example/w1.")]


def _config(data_dir: Path | None, database_url: str | None, name: str | None) -> object:
    from tenohira.audit.witness.config import WitnessConfig
    from tenohira.core.config import get_settings, reset_settings

    for var, value in (
        ("TENOHIRA_WITNESS_DATA_DIR", data_dir),
        ("TENOHIRA_WITNESS_DATABASE_URL", database_url),
        ("TENOHIRA_WITNESS_NAME", name),
    ):
        if value is not None:
            os.environ[var] = str(value)
    reset_settings()
    return WitnessConfig.from_settings(get_settings())


@app.command()
def init(data_dir: DataDir = None, database_url: DatabaseUrl = None, name: Name = None) -> None:
    """Create the witness's key and migrate its database; print its verifier key."""
    from tenohira.audit.note import ALG_COSIGNATURE_V1
    from tenohira.audit.witness.config import WitnessConfig
    from tenohira.audit.witness.service import init_witness

    config = _config(data_dir, database_url, name)
    assert isinstance(config, WitnessConfig)
    signer = asyncio.run(init_witness(config))
    typer.echo(signer.verifier(ALG_COSIGNATURE_V1).vkey)


@app.command()
def key(data_dir: DataDir = None, name: Name = None) -> None:
    """Print the witness's verifier key (give it to the log: TENOHIRA_WITNESSES="URL VKEY")."""
    from tenohira.audit.note import ALG_COSIGNATURE_V1
    from tenohira.audit.witness.config import WitnessConfig

    config = _config(data_dir, None, name)
    assert isinstance(config, WitnessConfig)
    typer.echo(config.signer().verifier(ALG_COSIGNATURE_V1).vkey)


@app.command()
def follow(
    origin: Annotated[str, typer.Argument(help="the log's origin line.")],
    vkey: Annotated[str, typer.Argument(help="the log's verifier key (tenohira audit key --vkey).")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Trust a log: cosign its checkpoints from now on (the first is taken on trust, then only extensions)."""
    from tenohira.audit.note import NoteError
    from tenohira.audit.witness.config import WitnessConfig
    from tenohira.audit.witness.service import init_witness, trust_log
    from tenohira.core.db import Database

    config = _config(data_dir, database_url, None)
    assert isinstance(config, WitnessConfig)

    async def go() -> bool:
        await init_witness(config)
        db = Database(config.database_url)
        try:
            return await trust_log(db, origin, vkey)
        finally:
            await db.dispose()

    try:
        added = asyncio.run(go())
    except NoteError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"following {origin}" if added else f"already following {origin}")


@app.command()
def logs(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """The logs this witness follows, with the size it last cosigned (JSON lines)."""
    from tenohira.audit.witness.config import WitnessConfig
    from tenohira.audit.witness.service import followed_logs, init_witness
    from tenohira.core.db import Database

    config = _config(data_dir, database_url, None)
    assert isinstance(config, WitnessConfig)

    async def go() -> list[str]:
        await init_witness(config)
        db = Database(config.database_url)
        try:
            return [
                json.dumps(
                    {
                        "origin": r.origin,
                        "tree_size": r.tree_size,
                        "cosigned_at": r.updated_at.isoformat() if r.updated_at else None,
                    }
                )
                for r in await followed_logs(db)
            ]
        finally:
            await db.dispose()

    for line in asyncio.run(go()):
        typer.echo(line)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to serve on.")] = 8300,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    name: Name = None,
) -> None:
    """Serve the witness alone: its own port, key and database (the production layout)."""
    import uvicorn

    from tenohira.audit.note import ALG_COSIGNATURE_V1
    from tenohira.audit.witness.app import create_app
    from tenohira.audit.witness.config import WitnessConfig
    from tenohira.core.config import get_settings

    config = _config(data_dir, database_url, name)
    assert isinstance(config, WitnessConfig)
    typer.echo(f"witness {config.name} serving on http://{host}:{port}/ (data in {config.data_dir})")
    typer.echo(f"  verifier key: {config.signer().verifier(ALG_COSIGNATURE_V1).vkey}")
    uvicorn.run(create_app(config=config), host=host, port=port, log_level=get_settings().log_level.lower())
