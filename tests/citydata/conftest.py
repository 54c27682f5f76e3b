"""An NGSI-LD client over the citydata router on a migrated database (SQLite and PostgreSQL)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tenohira.citydata.api import router
from tenohira.core.problems import install_problem_handlers

BASE = "/ngsi-ld/v1"
LINK_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def link(url: str) -> dict[str, str]:
    return {"Link": f"<{url}>; {LINK_REL}"}


@pytest.fixture
async def client(migrated_db: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"Accept": "application/json"}
    ) as c:
        yield c
    from tenohira.citydata.subscriptions import notifier_for

    await notifier_for(migrated_db).drain()
