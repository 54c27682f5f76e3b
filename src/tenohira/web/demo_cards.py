"""Demo cards: cards of demo residents, issued at first start, which the login page offers.

A real resident holds the card and a reader (or a phone) talks to it. In the demo the "card
reader" is the card simulator on the server side: the login page lets the resident pick one of
these cards and type its PIN on a PIN pad; the server asks the simulator to sign the login
challenge with that PIN, exactly as a reader would.

The cards are issued by the municipality counter's own tool (``tenohira card issue``, run as a
subprocess: the web never imports agency code) into ``data_dir/demo-cards/<resident>/`` and are
linked at the hub (``tenohira card link``), both by a background task as soon as the hub serves
(:mod:`tenohira.web.tasks`): the platform starts without waiting for key generation, and the
login page asks to reload while the cards are being made.

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
    ("R0000002", "母（出生の物語: 出産の前も後も）", "mother (the birth story: before and after the birth)"),
    ("R0000001", "その配偶者", "her spouse"),
    # the consoles' demo accounts (roles: tenohira.supporters.demo, given at first login)
    ("R0000004", "市役所の職員（職員コンソール）", "city staff (staff console)"),
    ("R0000008", "デジタル支援員（支援員コンソール）", "digital supporter (supporter console)"),
)
LINKED_MARK = "hub-linked"
DEMO_CARDS_ENV = "TENOHIRA_WEB_DEMO_CARDS"  # "1": issue them under TENOHIRA_ENVIRONMENT=test too


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


# One process runs several counter commands (starting Python costs seconds; a card, milliseconds).
# It loads only the counter's own command group (``tenohira card``), not the whole CLI.
_BATCH = """
import json, sys
from tenohira.agencies.municipality.cards import card_app as app
results = []
for args in json.loads(sys.argv[1]):
    try:
        app(args, standalone_mode=False)
        results.append(True)
    except BaseException as exc:  # click/typer exits and problems: reported, the rest still runs
        code = getattr(exc, "exit_code", getattr(exc, "code", 1))
        results.append(code in (0, None))
        print(f"{args[0]} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
print("RESULTS " + json.dumps(results))
"""


async def _counter(settings: Settings, commands: list[list[str]]) -> tuple[list[bool], str]:
    """Run the municipality counter's CLI commands (``tenohira card ...``) in one subprocess."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _BATCH,
        json.dumps(commands),
        env=_cli_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    text = out.decode(errors="replace")
    for line in reversed(text.splitlines()):
        if line.startswith("RESULTS "):
            return [bool(x) for x in json.loads(line[8:])], text
    return [False] * len(commands), text


def demo_cards_enabled(settings: Settings) -> bool:
    """Demo cards are made except under the test environment (unless ``TENOHIRA_WEB_DEMO_CARDS=1``):
    key generation costs seconds that other modules' live-server tests should not pay."""
    return settings.environment != "test" or os.environ.get(DEMO_CARDS_ENV) == "1"


def _issue_command(settings: Settings, resident_id: str) -> list[str]:
    return [
        "issue",
        "--resident",
        resident_id,
        "--out",
        str(cards_dir(settings) / resident_id),
        "--pin",
        DEMO_PIN,
        "--password",
        DEMO_PASSWORD,
        "--no-hub",
    ]


async def prepare_demo_cards(settings: Settings) -> list[str]:
    """Issue the missing demo cards and link every unlinked one at the hub (which must be serving),
    in one counter process; return the residents whose cards are now linked."""
    missing = [r for r, _, _ in DEMO_RESIDENTS if not (cards_dir(settings) / r / "card.json").exists()]
    present = {c.resident_id: c for c in list_cards(settings)}
    to_link = [r for r, _, _ in DEMO_RESIDENTS if r in missing or (r in present and not present[r].linked)]
    if not to_link:
        return []
    commands = [_issue_command(settings, r) for r in missing]
    commands += [["link", "--card", str(cards_dir(settings) / r), "--resident", r] for r in to_link]
    results, output = await _counter(settings, commands)
    if not all(results):
        log.warning("demo cards not all ready", output=output[-600:])
    linked = []
    for resident_id, ok in zip(to_link, results[len(missing) :], strict=True):
        if ok:
            (cards_dir(settings) / resident_id / LINKED_MARK).write_text(json.dumps({"linked": True}))
            linked.append(resident_id)
    return linked
