"""Agency-side validation published as data, run by the palm before the card signs.

One definition (``tenohira.procedures.intake_schema``), two places of execution: the agency
publishes it at ``/intake-schemas/{procedure}`` and checks every filed document against it; the
palm runs the same schema before a set opens for the signature. Each bad input seen on the walk is
caught before signing, with the agency's words in Japanese, English and easy Japanese.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

import tenohira.agencies.insurer.intake as insurer_intake
import tenohira.agencies.municipality.intake as municipality_intake
from tenohira.agencies.membership import close_member_clients
from tenohira.core.db import dispose_databases
from tenohira.core.problems import Problem
from tenohira.palm.people import close_palm_clients
from tenohira.procedures import check_against, check_fields, intake_schema, load_catalogue
from tests.palm.conftest import resident

GOOD_BANK = {"bank": "手のひら銀行", "branch": "本店", "type": "普通", "number": "7654321"}
BAD = [
    ("birth_notification", {"child_name": "陽 翔"}, "child_name"),
    ("birth_notification", {"child_name": "陽\u3000翔"}, "child_name"),
    ("birth_notification", {"child_name_kana": "はる と"}, "child_name_kana"),
    ("birth_notification", {"child_name_kana": "Haruto"}, "child_name_kana"),
    ("child_allowance_claim", {"bank_account": {**GOOD_BANK, "number": "12-34a"}}, "bank_account"),
    ("child_allowance_claim", {"bank_account": {**GOOD_BANK, "branch": "支" * 400}}, "bank_account"),
    ("childcare_leave_benefit", {"leave_from": "2026-12-10", "leave_to": "2026-12-01"}, "leave_to"),
    ("birth_notification", {"birth_date": "2026-02-30"}, "birth_date"),
    # checks that lived only in the agencies' code, refused after the signature until now
    ("maternity_allowance", {"number_of_babies": 0}, "number_of_babies"),
    ("maternity_allowance", {"number_of_babies": 6}, "number_of_babies"),
    ("pregnancy_support_second", {"number_of_babies": 0}, "number_of_babies"),
    ("birth_notification", {"child_name_kana": "ッタ"}, "child_name_kana"),
    ("birth_notification", {"child_name_kana": "ーくん"}, "child_name_kana"),
    ("birth_notification", {"child_name_kana": "ゃく"}, "child_name_kana"),
    ("birth_notification", {"child_name": "々子"}, "child_name"),
    ("birth_notification", {"child_name": "ー太"}, "child_name"),
    ("birth_notification", {"child_name": "𠮷太"}, "child_name"),  # not a name kanji (戸籍法 50)
    ("birth_notification", {"child_name": "Haruto"}, "child_name"),
]


@pytest.mark.parametrize(("procedure", "fields", "field"), BAD)
def test_each_bad_input_is_caught_with_three_languages(
    procedure: str, fields: dict[str, Any], field: str
) -> None:
    errors = check_fields(load_catalogue().get(procedure), fields)
    assert [e.field for e in errors] == [field]
    error = errors[0]
    assert error.message and error.message_ja and error.message_easy_ja
    assert error.message_ja != "この項目は必須です"
    # the deciding agency runs the very same schema on receipt (defence in depth): a 422 with the
    # same words (childcare-leave benefit is decided by Hello Work, which has no system here)
    shelves = [d.schemas for d in (municipality_intake.DESK, insurer_intake.DESK) if d.schemas.get(procedure)]
    assert shelves or procedure == "childcare_leave_benefit"
    for shelf in shelves:
        with pytest.raises(Problem) as refused:
            shelf.check(procedure, fields)
        assert refused.value.status == 422 and refused.value.errors == errors


def test_the_agencies_own_checks_read_the_published_limits() -> None:
    """One source of truth: where an agency checks a value itself, it takes the published bound,
    and the registrar's name rules refuse exactly what the published patterns refuse."""
    from tenohira.agencies.insurer import schemas as insurer_schemas
    from tenohira.agencies.insurer import service as insurer_service
    from tenohira.core.names import check_given_name, check_reading

    published = insurer_intake.DESK.schemas.get("maternity_allowance")
    assert published is not None
    babies = published["properties"]["number_of_babies"]
    assert (insurer_service.MIN_BABIES, insurer_service.MAX_BABIES) == (babies["minimum"], babies["maximum"])
    claim = insurer_schemas.LumpSumIn.model_json_schema()["properties"]["babies"]
    assert (claim["minimum"], claim["maximum"]) == (babies["minimum"], babies["maximum"])
    birth = load_catalogue().get("birth_notification")
    for reading in ("はると", "ハルト", "ッタ", "ーくん", "ゃく", "ゕい", "ゆうゝ", "ヴァイオ"):
        by_schema = bool(check_fields(birth, {"child_name_kana": reading}))
        assert by_schema == bool(check_reading(reading)[1]), reading
    for name in ("陽翔", "佐々木", "々子", "ー太", "ゆう", "𠮷太", "髙志", "A太", "ヴィオラ", "ゆうゝ"):
        by_schema = bool(check_fields(birth, {"child_name": name}))
        assert by_schema == bool(check_given_name(name)[1]), name


def test_a_date_of_birth_in_the_future_is_the_published_rule_of_the_day_of_the_check() -> None:
    """The insurer refuses a dependant born after the day it receives the filing: the published
    schema says so (``x-notAfter: today``), and the palm and the agency check it on their day."""
    procedure = load_catalogue().get("employee_insurance_dependant")
    fields = {"child_birth_date": "2026-12-04"}
    errors = check_fields(procedure, fields, date(2026, 12, 3))
    assert [e.field for e in errors] == ["child_birth_date"]
    assert errors[0].message_ja == "生年月日が未来の日付です" and errors[0].message_easy_ja
    assert check_fields(procedure, fields, date(2026, 12, 4)) == []  # born today: fine
    shelf = insurer_intake.DESK.schemas
    with pytest.raises(Problem) as refused:
        shelf.check("employee_insurance_dependant", fields, date(2026, 12, 3))
    assert refused.value.errors == errors
    # the published document alone says it (a third party's palm runs it on its own day)
    published = shelf.get("employee_insurance_dependant")
    assert published is not None
    assert check_against(published, fields, today=date(2026, 12, 3)) == errors


def test_good_values_pass_and_registered_names_keep_their_spacing() -> None:
    catalogue = load_catalogue()
    assert (
        check_fields(catalogue.get("birth_notification"), {"child_name": "陽翔", "child_name_kana": "はると"})
        == []
    )
    assert check_fields(catalogue.get("child_allowance_claim"), {"bank_account": GOOD_BANK}) == []
    assert (
        check_fields(
            catalogue.get("childcare_leave_benefit"), {"leave_from": "2026-12-01", "leave_to": "2026-12-01"}
        )
        == []
    )
    # the filer's own name comes from the register, space included: not the chosen-name rule
    assert check_fields(catalogue.get("birth_notification"), {"filer_name": "山田 花子"}) == []


async def test_each_agency_publishes_the_schema_the_palm_runs(live_server: Any) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        for agency, procedure in (
            ("municipality", "child_allowance_claim"),
            ("insurer", "childbirth_lump_sum_remainder"),
        ):
            listing = await http.get(f"/agencies/{agency}/intake-schemas")
            assert listing.status_code == 200, listing.text
            assert procedure in {s["procedure"] for s in listing.json()["schemas"]}
            r = await http.get(f"/agencies/{agency}/intake-schemas/{procedure}")
            assert r.status_code == 200 and r.headers["content-type"].startswith("application/schema+json")
            published = r.json()
            assert published == intake_schema(load_catalogue().get(procedure))  # one definition
            # and the published document alone is enough to check (a third party can run it)
            assert check_against(published, {"bank_account": {**GOOD_BANK, "number": "12-34a"}})
        r = await http.get("/agencies/insurer/intake-schemas/birth_notification")
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


async def test_a_name_with_a_space_is_refused_before_signing(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        r = await http.post(
            "/api/applications",
            json={
                "procedure": "birth_notification",
                "fields": {
                    "child_name": "陽 翔",
                    "child_name_kana": "はる と",
                    "relation_to_child": "mother",
                },
            },
        )
        assert r.status_code == 201, r.text
        app = r.json()
        flagged = {m["field"]: m for m in app["missing"]}
        assert "child_name" in flagged and "child_name_kana" in flagged
        assert "空白" in flagged["child_name"]["message_ja"] and flagged["child_name"].get("message_easy_ja")
        r = await http.post(f"/api/applications/{app['id']}/confirm")
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} >= {"child_name", "child_name_kana"}
        # the typed values are kept for correcting
        app = (await http.get(f"/api/applications/{app['id']}")).json()
        assert app["fields"]["child_name"] == "陽 翔" and app["state"] in ("draft", "prefilled")
    finally:
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()


async def test_a_maternity_allowance_for_no_babies_is_refused_before_signing(
    live_server: Any, tmp_path: Path
) -> None:
    """The insurer takes 1 to 5 babies of one birth: 0 is said at its field before the card signs
    (it was refused by the insurer after the signature), in the three languages."""
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        r = await http.post(
            "/api/applications",
            json={"procedure": "maternity_allowance", "fields": {"number_of_babies": 0}},
        )
        assert r.status_code == 201, r.text
        app = r.json()
        flagged = {m["field"]: m for m in app["missing"]}
        assert "number_of_babies" in flagged, flagged
        message = flagged["number_of_babies"]
        assert message["message_ja"] == "1から5までの整数で入力してください"
        assert message["message"] == "Enter a whole number from 1 to 5" and message.get("message_easy_ja")
        r = await http.post(f"/api/applications/{app['id']}/confirm")
        assert r.status_code == 422
        assert "number_of_babies" in {e["field"] for e in r.json()["errors"]}
    finally:
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()


async def test_do_them_for_me_does_not_open_a_bad_set_for_signing(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        r = await http.post(
            "/api/applications/bundles", json={"procedures": ["child_allowance_claim", "maternity_allowance"]}
        )
        assert r.status_code == 201, r.text
        bundle = r.json()
        bad = {
            "bank_account": {**GOOD_BANK, "number": "12-34a", "branch": "支" * 400},
            "supported_older_children": 0,
            "due_date": "2026-11-20",
            "birth_date": "2026-11-22",
            "salary_paid": 0,
            "number_of_babies": 1,
        }
        r = await http.patch(f"/api/applications/bundles/{bundle['id']}", json={"answers": bad})
        bundle = r.json()
        assert bundle["state"] == "incomplete" and bundle["manifest"] is None, bundle["state"]
        flagged = {m["field"] for a in bundle["applications"] for m in a["missing"]}
        assert "bank_account" in flagged
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": mother.sign(b"x" * 20)}
        )
        assert r.status_code == 409  # nothing to sign while a value breaks the agency's schema
    finally:
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()
