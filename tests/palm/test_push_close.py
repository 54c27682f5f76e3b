"""A notice closes itself when the procedure it announces is filed — in a set or on its own.

Through the running platform: the birth notification is filed, notices arrive; "do them for me"
over one noticed procedure and an individual filing of another close exactly those notices
(status ``filed``, the filing application's id), and leave the others open. Then, on the
database: what is closed and what is not (another person's, information, dismissed, unfiled).
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tenohira.agencies.membership import close_member_clients
from tenohira.core import get_database, get_settings
from tenohira.core.db import dispose_databases
from tenohira.palm.people import close_palm_clients
from tenohira.palm.push.models import Notice
from tenohira.palm.push.service import JST, close_for_filing, notices_for_event, notices_of
from tests.palm.conftest import resident
from tests.palm.test_bundles import ANSWERS
from tests.palm.test_push import file_birth, wait_for_notices


async def test_filing_closes_the_notices_of_that_procedure(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        await file_birth(mother)
        notices = await wait_for_notices(http)
        by_procedure = {n["procedure"]: n for n in notices}
        assert {"child_allowance_revision", "pregnancy_support_second"} <= set(by_procedure), (
            by_procedure.keys()
        )

        # do them for me, over one of the noticed procedures
        r = await http.post("/api/applications/bundles", json={"procedures": ["child_allowance_revision"]})
        assert r.status_code == 201, r.text
        bundle = (
            await http.patch(f"/api/applications/bundles/{r.json()['id']}", json={"answers": ANSWERS})
        ).json()
        assert bundle["state"] == "open", f"{bundle}"
        signature = mother.sign(base64.b64decode(bundle["manifest"]))
        r = await http.post(
            f"/api/applications/bundles/{bundle['id']}/signature", json={"signature": signature}
        )
        assert r.status_code == 200, r.text
        filed_revision = r.json()["applications"][0]
        revision_app = filed_revision["id"]
        # taken in and decided by the municipality (it was handed over before its intake had it)
        assert filed_revision["state"] != "handed_over", f"{filed_revision}"
        assert (filed_revision.get("decision") or {}).get("status") == "approved", f"{filed_revision}"

        open_now = {n["procedure"] for n in (await http.get("/api/notices")).json()["notices"]}
        assert "child_allowance_revision" not in open_now
        assert "pregnancy_support_second" in open_now  # not filed yet: still open

        # on its own: create, fill, confirm, sign, submit
        app = (await http.post("/api/applications", json={"procedure": "pregnancy_support_second"})).json()
        missing = {m["field"] for m in app.get("missing", [])}
        if missing:
            fields = {k: v for k, v in ANSWERS.items() if k in missing}
            r = await http.patch(f"/api/applications/{app['id']}", json={"fields": fields})
            assert r.status_code == 200, r.text
        r = await http.post(f"/api/applications/{app['id']}/confirm")
        assert r.status_code == 200, r.text
        assert (await mother.sign_manifest(app["id"])).status_code == 200
        r = await mother.submit(app["id"], str(uuid.uuid4()))
        assert r.status_code == 200, r.text

        left = (await http.get("/api/notices")).json()["notices"]
        assert {"child_allowance_revision", "pregnancy_support_second"}.isdisjoint(
            n["procedure"] for n in left
        )
        # everything else that was noticed is still open
        filed = ("child_allowance_revision", "pregnancy_support_second")
        assert {n["id"] for n in left} == {n["id"] for n in notices if n["procedure"] not in filed}
        everything = (await http.get("/api/notices", params={"include_dismissed": "true"})).json()["notices"]
        closed = {n["procedure"]: n for n in everything if n["status"] == "filed"}
        assert set(closed) == {"child_allowance_revision", "pregnancy_support_second"}
        assert closed["child_allowance_revision"]["application_id"] == revision_app
        assert closed["pregnancy_support_second"]["application_id"] == app["id"]
        assert closed["pregnancy_support_second"]["filed_at"]

        # an event worked out after the filings (a backlog, a redelivery of another event): the
        # procedures already filed since the event's day are noticed as filed, not as open
        db = get_database(get_settings())
        async with db.session() as s:
            code = (await s.scalars(sa.select(Notice.owner_code))).first()
        assert code is not None
        async with db.session() as s:
            late = await notices_for_event(
                s,
                event_id=uuid.uuid4().hex,
                topic="birth.registered",
                code=code,
                payload={"birth_date": datetime.now(JST).date().isoformat()},
            )
        status = {n.procedure_id: (n.status, n.application_id) for n in late}
        assert status["child_allowance_revision"] == ("filed", revision_app)
        assert status["pregnancy_support_second"] == ("filed", app["id"])
        assert all(st == "new" for p, (st, _) in status.items() if p not in filed)
    finally:
        await http.aclose()
        await close_member_clients()
        await close_palm_clients()
        await dispose_databases()


def _notice(owner: str, procedure: str, *, kind: str = "procedure", status: str = "new") -> Notice:
    return Notice(
        id=uuid.uuid4().hex,
        owner_code=owner,
        event_id=uuid.uuid4().hex,
        life_event="birth",
        procedure_id=procedure,
        kind=kind,
        deadline=date.today() + timedelta(days=14),
        amount=None,
        amount_period=None,
        explanation_ja="説明",
        explanation_en="explanation",
        legal_basis=[],
        facts={},
        status=status,
        created_at=datetime.now(UTC),
    )


async def test_only_the_persons_open_procedure_notices_close(migrated_db: Any) -> None:
    mine = _notice("P1", "child_allowance_claim")
    mine_again = _notice("P1", "child_allowance_claim")  # a second event noticed it too
    someone_else = _notice("P2", "child_allowance_claim")
    other_procedure = _notice("P1", "child_medical_subsidy")
    dismissed = _notice("P1", "child_allowance_claim", status="dismissed")
    information = _notice("P1", "child_allowance_claim", kind="information")
    everything = [mine, mine_again, someone_else, other_procedure, dismissed, information]
    async with migrated_db.session() as s:
        s.add_all(everything)
    async with migrated_db.session() as s:
        closed = await close_for_filing(
            s, owner_code="P1", procedure_id="child_allowance_claim", application_id="A1"
        )
        assert {n.id for n in closed} == {mine.id, mine_again.id}
    async with migrated_db.session() as s:
        rows = {n.id: n for n in (await s.scalars(sa.select(Notice))).all()}
        assert {n.id for n in await notices_of(s, "P1")} == {other_procedure.id, information.id}
    assert (rows[mine.id].status, rows[mine.id].application_id) == ("filed", "A1")
    assert rows[mine.id].filed_at is not None and rows[mine_again.id].status == "filed"
    assert rows[someone_else.id].status == "new" and rows[other_procedure.id].status == "new"
    assert rows[dismissed.id].status == "dismissed" and rows[dismissed.id].application_id is None
    assert rows[information.id].status == "new"
