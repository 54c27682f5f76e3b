"""The demo accounts: a staff member (also administrator) and a digital supporter.

Their cards are demo cards like the residents' (made by the web once the hub serves, in
``data_dir/demo-cards/<resident>/``, PIN ``1234``). Roles are kept by palm code; a demo card's
palm code is known only once the hub resolves it, so the role is registered by the card's
authentication serial when that card first logs in (:func:`ensure_demo_roles`, idempotent)
and bound to the palm code there. Off under ``TENOHIRA_ENVIRONMENT=production``.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.supporters.delegations import register_role
from tenohira.supporters.models import Role

# resident id of the demo card -> (role, name shown to residents, organisation)
DEMO_ROLES: tuple[tuple[str, str, str, str], ...] = (
    ("R0000004", "staff", "窓口 職員（デモ）", "手のひら市 子育て支援課"),
    ("R0000004", "administrator", "窓口 職員（デモ）", "手のひら市 子育て支援課"),
    ("R0000008", "supporter", "デジタル支援員（デモ）", "手のひら市社会福祉協議会"),
)


def _demo_card_serial(settings: Settings, resident_id: str) -> str | None:
    # the folder the web's demo cards live in (tenohira.web.demo_cards.cards_dir)
    path = Path(settings.data_dir) / "demo-cards" / resident_id / "card.json"
    try:
        return str(json.loads(path.read_text())["auth_serial"]).upper()
    except (OSError, ValueError, KeyError):
        return None


_done: set[tuple[str, str]] = set()  # (data dir, serial) already given their roles in this process


async def ensure_demo_roles(settings: Settings, card_serial: str) -> None:
    """Give ``card_serial`` its demo roles if it is one of the demo cards (once)."""
    if settings.environment == "production" or (str(settings.data_dir), card_serial.upper()) in _done:
        return
    wanted = [
        (role, name, organisation)
        for resident_id, role, name, organisation in DEMO_ROLES
        if _demo_card_serial(settings, resident_id) == card_serial.upper()
    ]
    async with get_database(settings).session() as session:
        for role, name, organisation in wanted:
            exists = await session.scalar(
                sa.select(Role.id).where(Role.card_serial == card_serial.upper(), Role.role == role).limit(1)
            )
            if exists is None:
                await register_role(
                    session,
                    role=role,
                    display_name=name,
                    card_serial=card_serial,
                    organisation=organisation,
                    registered_by="demo",
                )
    _done.add((str(settings.data_dir), card_serial.upper()))
