"""Demo cards: cards of demo residents, issued at first start, which the login page offers.

A real resident holds the card and a reader (or a phone) talks to it. In the demo the "card
reader" is the card simulator on the server side: the login page lets the resident pick one of
these cards and type its PIN on a PIN pad; the server asks the simulator to sign the login
challenge with that PIN, exactly as a reader would.

The cards are issued by the municipality counter's own tool (``tenohira card issue``, run as a
subprocess: the web never imports agency code) into ``data_dir/demo-cards/<resident>/`` and are
linked at the hub by ``tenohira card link`` once the hub is serving (:mod:`tenohira.web.tasks`).

Demo secrets (documented in docs/web.md and the README): PIN ``1234``, signing password
``TENOHIRA26``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import structlog
from cryptography import x509

from tenohira.core.config import Settings
from tenohira.identity import CardSimulator, facts_from_certificate

log = structlog.get_logger("tenohira.web")

DEMO_PIN = "1234"
DEMO_PASSWORD = "TENOHIRA26"  # noqa: S105 — the documented demo password, not a secret
# resident id → what the demo card is for (the birth story's expectant mother first)
DEMO_RESIDENTS: tuple[tuple[str, str, str], ...] = (
    ("R0000002", "出産を控えた母（出生の物語）", "expectant mother (the birth story)"),
    ("R0000001", "その配偶者", "her spouse"),
)
LINKED_MARK = "hub-linked"


@dataclass(frozen=True)
class DemoCard:
    """A demo card on the server-side card reader."""

    resident_id: str
    directory: Path
    name: str
    name_kana: str
    role_ja: str
    role_en: str
    linked: bool

    def simulator(self) -> CardSimulator:
        return CardSimulator.open(self.directory)


def cards_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "demo-cards"


def list_cards(settings: Settings) -> list[DemoCard]:
    """The demo cards present on this installation, in the order of :data:`DEMO_RESIDENTS`."""
    out: list[DemoCard] = []
    for resident_id, role_ja, role_en in DEMO_RESIDENTS:
        directory = cards_dir(settings) / resident_id
        if not (directory / "card.json").exists():
            continue
        try:
            facts = facts_from_certificate(
                x509.load_pem_x509_certificate((directory / "sign.pem").read_bytes())
            )
        except (OSError, ValueError):
            continue
        out.append(
            DemoCard(
                resident_id,
                directory,
                facts.name,
                facts.name_kana,
                role_ja,
                role_en,
                (directory / LINKED_MARK).exists(),
            )
        )
    return out


def find_card(settings: Settings, resident_id: str) -> DemoCard | None:
    """The demo card of ``resident_id`` (only ids of :data:`DEMO_RESIDENTS`; never a path from input)."""
    return next((c for c in list_cards(settings) if c.resident_id == resident_id), None)


def _cli_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["TENOHIRA_DATA_DIR"] = str(Path(settings.data_dir).resolve())
    env["TENOHIRA_DATABASE_URL"] = settings.resolved_database_url
    env["TENOHIRA_PORT"] = str(settings.port)
    env["TENOHIRA_HOST"] = settings.host
    if settings.base_url:
        env["TENOHIRA_BASE_URL"] = settings.base_url
    if settings.hub_url:
        env["TENOHIRA_HUB_URL"] = settings.hub_url
    return env


async def _counter(settings: Settings, *args: str) -> tuple[int, str]:
    """Run the municipality counter's CLI (``tenohira card ...``); return code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from tenohira.cli import main; main()",
        "card",
        *args,
        env=_cli_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode(errors="replace")


async def issue_demo_cards(settings: Settings) -> list[str]:
    """Issue the missing demo cards (not linked yet: the hub is not serving during bootstrap)."""
    issued: list[str] = []
    for resident_id, _, _ in DEMO_RESIDENTS:
        directory = cards_dir(settings) / resident_id
        if (directory / "card.json").exists():
            continue
        code, output = await _counter(
            settings,
            "issue",
            "--resident",
            resident_id,
            "--out",
            str(directory),
            "--pin",
            DEMO_PIN,
            "--password",
            DEMO_PASSWORD,
            "--no-hub",
        )
        if code != 0:
            log.warning("demo card not issued", resident=resident_id, output=output[-400:])
            continue
        issued.append(resident_id)
    return issued


async def link_demo_cards(settings: Settings) -> list[str]:
    """Link every demo card not linked yet at the hub (the hub must be serving)."""
    linked: list[str] = []
    for card in list_cards(settings):
        if card.linked:
            continue
        code, output = await _counter(
            settings, "link", "--card", str(card.directory), "--resident", card.resident_id
        )
        if code != 0:
            log.warning("demo card not linked yet", resident=card.resident_id, output=output[-400:])
            continue
        (card.directory / LINKED_MARK).write_text(json.dumps({"linked": True}))
        linked.append(card.resident_id)
    return linked
