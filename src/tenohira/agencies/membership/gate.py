"""An agency's gate and its client: the hub's signature checked on what arrives, its own key on
what leaves. The member's credentials are read on first use (the app is built before hub
bootstrap may have stored them under ``data_dir/members/<id>/``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from tenohira.core.config import Settings
from tenohira.core.problems import Problem
from tenohira.hub import (
    HubClient,
    HubProvider,
    HubRequest,
    close_pooled_clients,
    load_member_credentials,
    pooled_client,
)


def _not_ready(member_id: str) -> Problem:
    return Problem(
        status=503,
        slug="member-credentials-missing",
        title="This agency has no hub credentials yet",
        title_ja="この機関のハブ接続用の鍵がまだありません",
        detail=f"Run `tenohira init` so that hub bootstrap creates the credentials of {member_id}.",
        detail_ja=f"`tenohira init` を実行して {member_id} の鍵を作成してください。",
    )


class LazyHubProvider(HubProvider):
    """A :class:`HubProvider` whose credentials are read when the first hub request arrives."""

    def __init__(self, settings: Settings, member_id: str) -> None:  # base init runs on first use
        self._settings = settings
        self.member_id = member_id
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        try:
            credentials = load_member_credentials(self._settings, self.member_id)
        except (FileNotFoundError, IndexError) as exc:
            raise _not_ready(self.member_id) from exc
        HubProvider.__init__(self, credentials, self._settings.hub_clock_skew_seconds)
        self._ready = True

    async def verify(self, request: Request) -> HubRequest:
        """Check the hub's signature on ``request`` (see :meth:`HubProvider.verify`)."""
        self._ensure()
        return await super().verify(request)

    def sign_headers(self, status: int, headers: dict[str, str], body: bytes) -> dict[str, str]:
        """Sign an answer to the hub (see :meth:`HubProvider.sign_headers`)."""
        self._ensure()
        return super().sign_headers(status, headers, body)


def member_client(settings: Settings, member_id: str, **kwargs: Any) -> HubClient:
    """This member's hub client (pooled per event loop, member and hub URL: its pool is loop-bound)."""
    try:
        return pooled_client(settings, member_id, **kwargs)
    except FileNotFoundError as exc:
        raise _not_ready(member_id) from exc


async def close_member_clients() -> None:
    """Close the current loop's hub clients (end of the process or of a test)."""
    await close_pooled_clients()
