"""Fixtures of identity tests: a CA in the test's data dir, a migrated database, issued cards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tenohira.core import get_database, get_settings
from tenohira.core.problems import install_problem_handlers
from tenohira.identity import BasicFacts, CardSimulator, IssuedCard, issue_card
from tenohira.identity.ca import CertificateAuthority, init_ca

PIN = "1234"
PASSWORD = "HANAKO2026"

FACTS = BasicFacts(
    name="山田 花子",
    name_kana="ヤマダ ハナコ",
    address="手のひら市中央一丁目2番3号",
    birth_date=date(1990, 4, 12),
    sex="female",
)


@pytest.fixture
def sqlite_only_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An SQLite database, for modules whose subject is cryptography rather than the database
    (they override ``database_url`` with this; the database behaviour runs on both elsewhere)."""
    from tenohira.core import reset_settings

    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    monkeypatch.setenv("TENOHIRA_DATABASE_URL", url)
    reset_settings()
    return url


@pytest.fixture(scope="session")
def _ca_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CA generated per test run; each test gets its own copy (RSA key generation is slow)."""
    from tenohira.core import Settings

    base = tmp_path_factory.mktemp("ca-template")
    init_ca(Settings(data_dir=base))
    return base / "ca"


@pytest.fixture
def ca(_ca_template: Path) -> CertificateAuthority:
    """The CA of the test's data dir (a copy of the run's CA, loaded from the test's own files)."""
    import shutil

    settings = get_settings()
    settings.ensure_data_dir()
    shutil.copytree(_ca_template, settings.data_dir / "ca")
    return init_ca(settings)[0]


IssueFn = Callable[..., Awaitable[tuple[IssuedCard, CardSimulator]]]


@pytest.fixture
async def issue(migrated_db: Any, ca: CertificateAuthority, tmp_path: Path) -> IssueFn:
    """Issue a card (committed) and open it: ``await issue(holder_ref="R1", facts=..., now=...)``."""
    counter = {"n": 0}

    async def go(**kwargs: Any) -> tuple[IssuedCard, CardSimulator]:
        counter["n"] += 1
        out = kwargs.pop("out_dir", tmp_path / f"card{counter['n']}")
        params: dict[str, Any] = {
            "holder_ref": f"R{counter['n']:07d}",
            "facts": FACTS,
            "pin": PIN,
            "password": PASSWORD,
        }
        params.update(kwargs)
        async with get_database().session() as session:
            card = await issue_card(session, out_dir=out, **params)
        return card, CardSimulator.open(out)

    return go


@pytest.fixture
def offline_card(ca: CertificateAuthority, tmp_path: Path) -> CardSimulator:
    """A card made without the database (for rules of the card itself, which are client-side)."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric import rsa

    from tenohira.identity.card import write_card_dir
    from tenohira.identity.certificates import issue_certificate, validity_end

    now = datetime.now(UTC)
    end = validity_end(FACTS.birth_date, now)
    keys = {k: rsa.generate_private_key(public_exponent=65537, key_size=2048) for k in ("auth", "sign")}
    certs = {
        k: issue_certificate(
            ca,
            kind=k,  # type: ignore[arg-type]
            public_key=keys[k].public_key(),
            facts=FACTS if k == "sign" else None,
            not_before=now,
            not_after=end,
            crl_url="http://127.0.0.1:8000/pki/crl/issuing-ca.crl",
        )
        for k in ("auth", "sign")
    }
    out = tmp_path / "offline-card"
    write_card_dir(
        out,
        auth_cert=certs["auth"],
        auth_key=keys["auth"],
        sign_cert=certs["sign"],
        sign_key=keys["sign"],
        chain_pem=ca.chain_pem(),
        pin=PIN,
        password=PASSWORD,
        meta={},
    )
    return CardSimulator.open(out)


@pytest.fixture
async def client(migrated_db: Any, ca: CertificateAuthority) -> AsyncIterator[httpx.AsyncClient]:
    """The identity router alone, over ASGI (the whole platform is tested by the live server)."""
    from tenohira.identity.api import router

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def audit_rows(type_prefix: str = "card:") -> list[dict[str, Any]]:
    """Transparency-log entries written so far (read straight from the audit table)."""
    from sqlalchemy import text

    async with get_database().session() as session:
        rows = await session.execute(
            text("SELECT type, actor, subject, attributes FROM audit_entries WHERE type LIKE :p ORDER BY id"),
            {"p": type_prefix + "%"},
        )
        out = []
        for r in rows:
            attrs = r.attributes
            if isinstance(attrs, str):
                import json

                attrs = json.loads(attrs)
            out.append({"type": r.type, "actor": r.actor, "subject": r.subject, "attributes": attrs})
        return out
