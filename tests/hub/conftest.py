"""A hub and small provider apps served over real HTTP (uvicorn on a free port, own thread).

The providers stand in for the agencies: they verify the hub's signature with
``HubProvider``, echo what they were told (the subject code they received), and count
calls so that a test can prove a refused request was never forwarded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import Depends, FastAPI


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Calls:
    count: int = 0
    last: dict[str, Any] = field(default_factory=dict)


def provider_app(member_id: str, calls: Calls) -> FastAPI:
    from tenohira.core import get_settings
    from tenohira.core.problems import install_problem_handlers
    from tenohira.hub import HubProvider, HubRequest, load_member_credentials

    settings = get_settings()
    provider = HubProvider(load_member_credentials(settings, member_id), settings.hub_clock_skew_seconds)
    app = FastAPI()
    install_problem_handlers(app)
    provider.install(app)

    def seen(hub: HubRequest) -> dict[str, Any]:
        calls.count += 1
        calls.last = {
            "member": member_id,
            "client": hub.client_member,
            "service": hub.service,
            "purpose": hub.purpose,
            "code": hub.subject_code,
            "body": hub.json(),
        }
        return calls.last

    @app.get("/services/basic-facts")
    async def basic_facts(hub: HubRequest = Depends(provider.request)) -> dict[str, Any]:
        return seen(hub)

    @app.get("/services/household")
    async def household(hub: HubRequest = Depends(provider.request)) -> dict[str, Any]:
        return seen(hub)

    @app.get("/services/resident-tax-status")
    async def tax(hub: HubRequest = Depends(provider.request)) -> dict[str, Any]:
        return seen(hub)

    @app.post("/services/birth-notifications")
    async def birth(hub: HubRequest = Depends(provider.request)) -> dict[str, Any]:
        return seen(hub)

    @app.get("/services/insurance-type")
    async def insurance(hub: HubRequest = Depends(provider.request)) -> dict[str, Any]:
        return seen(hub)

    return app


@dataclass
class HubServer:
    url: str
    hub_url: str
    calls: dict[str, Calls]
    admin_token: str
    _server: Any = None
    _thread: threading.Thread | None = None

    def client(self, member_id: str, **kwargs: Any) -> Any:
        from tenohira.core import get_settings
        from tenohira.hub import HubClient, load_member_credentials

        return HubClient.from_credentials(
            load_member_credentials(get_settings(), member_id), self.hub_url, **kwargs
        )

    def forwarded(self) -> int:
        return sum(c.count for c in self.calls.values())


@pytest.fixture
def hub_server(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """Migrated database, hub bootstrap, hub + providers served at a free port."""
    import uvicorn

    from tenohira.core import get_settings, reset_settings
    from tenohira.core.db import dispose_databases, migrate
    from tenohira.core.progress import no_progress
    from tenohira.hub.app import create_app
    from tenohira.hub.bootstrap import bootstrap
    from tenohira.hub.runtime import ensure_admin_token

    port = free_port()
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    reset_settings()
    settings = get_settings()

    async def setup() -> None:
        await migrate(database_url)
        await bootstrap(settings, no_progress)
        await dispose_databases()

    asyncio.run(setup())
    calls = {name: Calls() for name in ("municipality", "hospital", "insurer")}
    root = FastAPI()
    root.mount("/hub", create_app(settings, background=False))
    for name in calls:
        root.mount(f"/agencies/{name}", provider_app(name, calls[name]))
    config = uvicorn.Config(root, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("hub test server did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    hub = HubServer(url, url + "/hub", calls, ensure_admin_token(settings), server, thread)
    try:
        yield hub
    finally:
        server.should_exit = True
        thread.join(timeout=10)
