"""The catalogue over HTTP (problem+json for errors) and on the command line."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from tenohira.core.problems import install_problem_handlers
from tenohira.procedures.api import router
from tenohira.procedures.cli import app as cli_app


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_list_filtered_by_event_and_language(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/procedures", params={"event": "birth", "language": "en"})
    assert r.status_code == 200
    rows = {row["id"]: row for row in r.json()}
    assert "birth_notification" in rows and "move_in" not in rows
    assert rows["birth_notification"]["name"] == "Birth notification"
    r = await client.get("/api/procedures", params={"event": "move", "language": "easy_ja"})
    assert "move_in" in {row["id"] for row in r.json()}


async def test_list_with_event_date_gives_due_dates(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/procedures", params={"event": "birth", "event_date": "2026-12-20"})
    rows = {row["id"]: row for row in r.json()}
    assert rows["birth_notification"]["deadline_date"] == "2027-01-04"


async def test_bad_filters_are_problems(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/procedures", params={"event": "marriage"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "event"
    r = await client.get("/api/procedures", params={"language": "fr"})
    assert r.status_code == 422


async def test_get_one_and_unknown(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/procedures/child_allowance_claim", params={"event_date": "2026-11-10"})
    assert r.status_code == 200
    body = r.json()
    assert body["decision"] == {"method": "rules", "benefit": "child_allowance"}
    assert body["deadline_date"] == "2026-11-25"
    r = await client.get("/api/procedures/no_such_procedure")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "urn:tenohira:problem:unknown-procedure"
    assert r.json()["title_ja"]


def test_cli_list_json_and_table() -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["list", "--event", "birth", "--json"])
    assert result.exit_code == 0, result.output
    ids = {row["id"] for row in json.loads(result.output)}
    assert "premature_infant_care" in ids and "death_notification" not in ids
    result = runner.invoke(cli_app, ["list", "--event", "death", "--language", "en"])
    assert result.exit_code == 0
    assert "death_notification" in result.output
    result = runner.invoke(cli_app, ["list", "--event", "wedding"])
    assert result.exit_code != 0


def test_cli_show_and_deadline() -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["show", "birth_notification", "--date", "2026-04-20"])
    assert result.exit_code == 0
    body = json.loads(result.output)
    assert body["deadline_date"] == "2026-05-07"
    assert runner.invoke(cli_app, ["show", "nope"]).exit_code == 1
    result = runner.invoke(cli_app, ["deadline", "nhi_enrolment", "2026-12-20"])
    assert result.output.strip() == "2027-01-04"
