"""Members' hub clients kept for reuse: one per data directory, member, hub URL and event loop.

A client's connection pool belongs to the event loop that opened it, so a client is never
shared across loops, and closing only ever touches the current loop's clients (those of a loop
that has ended, e.g. a server thread of an earlier test, are simply forgotten).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tenohira.core.config import Settings
from tenohira.hub.client import HubClient
from tenohira.hub.pki import load_member_credentials

_clients: dict[tuple[str, str, str, int], HubClient] = {}


def _loop_id() -> int:
    try:
        return id(asyncio.get_running_loop())
    except RuntimeError:
        return 0


def pooled_client(settings: Settings, member_id: str, **kwargs: Any) -> HubClient:
    """This member's reusable hub client; raises FileNotFoundError if it has no credentials yet."""
    key = (str(settings.data_dir), member_id, settings.resolved_hub_url, _loop_id())
    client = _clients.get(key)
    if client is None:
        try:
            credentials = load_member_credentials(settings, member_id)
        except IndexError as exc:  # a half-written credentials file
            raise FileNotFoundError(f"credentials of {member_id} are incomplete") from exc
        client = _clients[key] = HubClient.from_credentials(credentials, settings.resolved_hub_url, **kwargs)
    return client


async def close_pooled_clients() -> None:
    """Close the current loop's pooled clients and forget those of loops already gone."""
    here = _loop_id()
    for key in list(_clients):
        client = _clients.pop(key)
        if key[3] == here:
            await client.aclose()
