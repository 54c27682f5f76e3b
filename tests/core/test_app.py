import httpx
import pytest

from tenohira.app import create_app


@pytest.fixture
async def client(migrated_db: object) -> httpx.AsyncClient:
    app = create_app(background=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


async def test_readyz_reports_database_and_migrations(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    body = r.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["status"] in ("ok", "fail")


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == "urn:tenohira:problem:not-found"
    assert body["title_ja"]


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert r.json()["openapi"].startswith("3.")


async def test_an_overflowing_number_is_a_400_problem_not_a_500() -> None:
    # the net under endpoints that do not bound a number themselves (SQLite's driver raises
    # OverflowError for an integer beyond 64 bits)
    from fastapi import FastAPI

    from tenohira.core.problems import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/n")
    async def n(value: int) -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/n", params={"value": 10**40})
    assert r.status_code == 400
    assert r.json()["type"] == "urn:tenohira:problem:number-out-of-range"
