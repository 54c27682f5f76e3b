"""A city served on its own (``tenohira agency serve municipality --city``): its own process,
port and database; the hub reaches it at the URL it was given, and nothing else does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tenohira.agencies.membership import close_member_clients, member_client
from tenohira.agencies.municipality import service
from tenohira.core import get_database, get_settings
from tenohira.core.cities import city, city_settings
from tenohira.core.config import settings_scope
from tenohira.core.db import dispose_databases
from tenohira.hub import HubClient, load_member_credentials
from tests.conftest import free_port


@pytest.fixture
def apart_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """The port the city will be served on, told to the hub before its bootstrap."""
    port = free_port()
    monkeypatch.setenv("TENOHIRA_CITY_URLS", f"990027=http://127.0.0.1:{port}")
    return port


@pytest.fixture
def city_process(apart_port: int, live_server: Any) -> Iterator[str]:
    command = Path(sys.executable).parent / "tenohira"
    process = subprocess.Popen(
        [str(command), "agency", "serve", "municipality", "--city", "990027", "--port", str(apart_port)],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{apart_port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the city did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


async def test_the_hub_reaches_the_city_served_apart(city_process: str) -> None:
    health = httpx.get(f"{city_process}/healthz", timeout=5).json()
    assert health == {"status": "ok", "member": "municipality-990027"}
    # without the hub's signature the city answers nothing
    assert httpx.get(f"{city_process}/services/basic-facts", timeout=5).status_code in (400, 401, 403)

    from tenohira.hub import repository as hub_repository

    settings = get_settings()
    yubisaki = city(settings, "990027")
    own = city_settings(settings, yubisaki)
    async with get_database(settings).session() as session:
        member = await hub_repository.get_member(session, yubisaki.member)
        assert member is not None and member.base_url == city_process  # not the embedded mount
    with settings_scope(own):
        async with get_database(own).session() as session:
            code = await service.hub_code(
                session, own, "R0000003", member_client(own, yubisaki.member).register_subject
            )
    palm = HubClient.from_credentials(load_member_credentials(settings, "palm"), settings.resolved_hub_url)
    try:
        palm_code = await palm.redeem(await member_client(own, yubisaki.member).introduce(code, "palm"))
        answer = await palm.call(
            f"{yubisaki.member}.basic-facts", subject_code=palm_code, purpose="prefill", method="GET"
        )
        # read by the city's own process from its database, sealed under its own vault
        assert answer.raise_for_problem().json()["address"].startswith("ゆびさき町")
    finally:
        await palm.aclose()
        await close_member_clients()
        await dispose_databases()
