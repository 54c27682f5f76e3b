"""The commands: ``tenohira ca init``, ``tenohira card issue/status/revoke/unlock``."""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tenohira.core import get_settings
from tenohira.core.db import dispose_databases, migrate
from tenohira.core.progress import no_progress
from tenohira.identity import CardLocked, CardSimulator, WrongSecret


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> Result:
    """Run a ``tenohira`` command in this process (as the console script would)."""
    from typer.testing import CliRunner

    from tenohira.cli import app

    r = CliRunner().invoke(app, list(args))
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return Result(r.exit_code, r.stdout, r.stderr)


@pytest.fixture
def seeded() -> None:
    from tenohira.agencies.municipality.bootstrap import seed_population

    async def go() -> None:
        settings = get_settings()
        settings.ensure_data_dir()
        await migrate(settings.resolved_database_url)
        try:
            await seed_population(settings, 20, no_progress)
        finally:
            await dispose_databases()

    asyncio.run(go())


def test_ca_init_is_idempotent() -> None:
    first = run("ca", "init")
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout and "root CA" in first.stdout
    second = run("ca", "init")
    assert second.returncode == 0 and "already present" in second.stdout
    assert first.stdout.splitlines()[1:] == second.stdout.splitlines()[1:]  # the same CA
    shown = run("ca", "show")
    assert shown.returncode == 0 and "/pki/crl/issuing-ca.crl" in shown.stdout


def test_card_lifecycle_at_the_counter(seeded: None, tmp_path: Path) -> None:
    out = tmp_path / "card"
    issued = run(
        "card", "issue", "--resident", "R0000001", "--out", str(out), "--pin", "4321", "--password", "ABC123"
    )
    assert issued.returncode == 0, issued.stderr + issued.stdout
    # no platform is running here: the card is issued, and the counter is told to link it later
    assert "not linked at the hub" in issued.stderr and "tenohira card link" in issued.stderr
    for name in ("auth.pem", "sign.pem"):
        check = subprocess.run(
            ["openssl", "verify", "-CAfile", str(out / "ca-chain.pem"), str(out / name)], capture_output=True
        )
        assert check.returncode == 0
    meta = json.loads((out / "card.json").read_text())

    # the signing certificate carries the registry's facts for R0000001
    from cryptography import x509

    from tenohira.identity import facts_from_certificate

    facts = facts_from_certificate(x509.load_pem_x509_certificate((out / "sign.pem").read_bytes()))
    assert facts.name and facts.address.startswith(get_settings().municipality_name_ja)

    status = run("card", "status", "--card", str(out), "--json")
    body = json.loads(status.stdout)
    assert {c["kind"]: c["state"] for c in body["certificates"]} == {"auth": "active", "sign": "active"}
    assert body["counters"] == {"pin_tries_left": 3, "password_tries_left": 5}

    # lock the PIN, then unlock it at the counter (only for the right resident)
    sim = CardSimulator.open(out)
    for _ in range(2):
        with pytest.raises(WrongSecret):
            sim.authenticate("0000", b"x")
    with pytest.raises(CardLocked):
        sim.authenticate("0000", b"x")
    wrong = run("card", "unlock", "--card", str(out), "--resident", "R0000002")
    assert wrong.returncode != 0
    unlocked = run("card", "unlock", "--card", str(out), "--resident", "R0000001")
    assert unlocked.returncode == 0, unlocked.stderr
    assert sim.authenticate("4321", b"x")

    revoked = run("card", "revoke", "--serial", meta["sign_serial"], "--reason", "facts-changed")
    assert revoked.returncode == 0 and meta["sign_serial"] in revoked.stdout
    body = json.loads(run("card", "status", "--resident", "R0000001", "--json").stdout)
    assert {c["kind"]: c["state"] for c in body["certificates"]} == {"auth": "active", "sign": "revoked"}
    lost = run("card", "revoke", "--resident", "R0000001", "--reason", "lost")
    assert lost.returncode == 0 and meta["auth_serial"] in lost.stdout


def test_card_issue_refuses_unknown_resident_and_bad_pin(seeded: None, tmp_path: Path) -> None:
    unknown = run(
        "card",
        "issue",
        "--resident",
        "R9999999",
        "--out",
        str(tmp_path / "c"),
        "--pin",
        "1234",
        "--password",
        "ABC123",
    )
    assert unknown.returncode == 1 and "R9999999" in unknown.stderr
    bad = run(
        "card",
        "issue",
        "--resident",
        "R0000001",
        "--out",
        str(tmp_path / "c"),
        "--pin",
        "12",
        "--password",
        "ABC123",
    )
    assert bad.returncode == 2 and "4 digits" in bad.stderr
    assert not (tmp_path / "c" / "card.json").exists()
    skipped = run("card", "issue", "--resident", "R0000002", "--out", str(tmp_path / "d"), "--pin", "1234",
                  "--password", "ABC123", "--no-hub")  # fmt: skip
    assert skipped.returncode == 0 and "--no-hub" in skipped.stderr
    down = run("card", "link", "--card", str(tmp_path / "d"), "--resident", "R0000002")
    assert down.returncode == 1 and "could not be reached" in down.stderr
    reason = run("card", "revoke", "--resident", "R0000001", "--reason", "bored")
    assert reason.returncode == 1
