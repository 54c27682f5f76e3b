"""The caseworker's CLI and the HTTP endpoint."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tenohira.core.problems import install_problem_handlers
from tenohira.rules.api import router
from tenohira.rules.cli import app

HOUSEHOLD = {
    "municipality": "990019",
    "single_parent": False,
    "members": [
        {
            "id": "p1",
            "role": "parent",
            "birth_date": "1990-04-10",
            "sex": "female",
            "insurance": "employee",
            "employment_insured": True,
            "annual_income": 3000000,
        },
        {"id": "c1", "role": "child", "birth_date": "2026-11-10", "supported": True, "birth_weight_g": 3100},
    ],
}


def test_cli_explain_json_and_table(tmp_path: Path) -> None:
    f = tmp_path / "household.json"
    f.write_text(json.dumps(HOUSEHOLD))
    runner = CliRunner()
    out = runner.invoke(app, ["explain", "--household", str(f), "--date", "2026-11-26", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["date"] == "2026-11-26"
    ids = [b["id"] for b in doc["benefits"]]
    assert ids[:7] == [
        "child_allowance",
        "childbirth_lump_sum",
        "pregnancy_support_benefit",
        "child_medical_subsidy",
        "single_parent_allowance",
        "maternity_allowance",
        "childcare_leave_benefit",
    ]
    assert doc["benefits"][0]["monthly_amount"] == 15000
    assert doc["benefits"][0]["per_member"][0]["member"] == "c1"
    table = runner.invoke(app, ["explain", "--household", str(f), "--date", "2026-11-26"])
    assert table.exit_code == 0 and "児童手当" in table.output


def test_cli_screen_synthetic() -> None:
    out = CliRunner().invoke(app, ["screen", "--synthetic", "5000", "--date", "2026-11-26", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["residents"] == 5000
    assert doc["benefits"]["child_allowance"]["eligible_households"] > 0
    assert set(doc["seconds"]) == {"building_inputs", "computing"}


def test_api_explain_and_validation() -> None:
    api = FastAPI()
    install_problem_handlers(api)
    api.include_router(router)
    client = TestClient(api)
    r = client.post("/api/rules/explain", params={"date": "2026-11-26"}, json=HOUSEHOLD)
    assert r.status_code == 200
    assert r.json()["benefits"][0]["monthly_amount"] == 15000
    bad = client.post("/api/rules/explain", json={"municipality": "x", "members": []})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert any("message_ja" in e for e in bad.json()["errors"])
    only = client.post(
        "/api/rules/explain", params={"date": "2026-11-26", "benefit": "childbirth_lump_sum"}, json=HOUSEHOLD
    )
    assert [b["id"] for b in only.json()["benefits"]] == ["childbirth_lump_sum"]
    unknown = client.post("/api/rules/explain", params={"benefit": "pony"}, json=HOUSEHOLD)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "benefit"
    params = client.get("/api/rules/parameters", params={"date": "2024-09-01"}).json()
    assert params["benefits"]["child_allowance"]["version"]["effective_from"] == "2022-06-01"
