import csv
import io
from typing import Any

from tests.opendata.conftest import Facilities, static_source

from tenohira.core import get_settings
from tenohira.opendata.service import publish, to_csv


async def test_publish_applies_disclosure_control(published: Any, migrated_db: Any) -> None:
    by = {o.dataset: o for o in published}
    assert by["births-by-month-district"].status == "published"
    assert by["births-by-month-district"].suppressed >= 2  # the 3 and its complement
    assert by["aed-locations"].status == "published"
    # nothing to build from yet: honest "unavailable", no invented numbers
    assert by["benefit-take-up"].status == "unavailable"
    assert by["public-facilities"].status == "unavailable"


async def test_republishing_unchanged_data_makes_no_new_release(published: Any, migrated_db: Any) -> None:
    async with migrated_db.session() as session:
        again = await publish(session, get_settings(), static_source(), Facilities())
    assert {o.status for o in again if o.status != "unavailable"} == {"unchanged"}


def test_csv_bom_option() -> None:
    cols = [{"id": "a"}, {"id": "b"}]
    rows = [{"a": "町", "b": None}]
    plain, bom = to_csv(cols, rows), to_csv(cols, rows, bom=True)
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert bom.startswith(b"\xef\xbb\xbf") and bom[3:] == plain
    assert list(csv.DictReader(io.StringIO(plain.decode()))) == [{"a": "町", "b": ""}]


async def test_each_release_carries_the_witnessed_checkpoint(migrated_db: Any, monkeypatch: Any) -> None:
    """A copy of the log's head the operator cannot take back (issue 21): in every new release."""
    from datetime import date

    from tests.conftest import free_port

    from tenohira.core import reset_settings

    monkeypatch.setenv("TENOHIRA_BASE_URL", f"http://127.0.0.1:{free_port()}")  # the witness in-process
    reset_settings()

    from sqlalchemy import select

    from tenohira.audit.bootstrap import bootstrap
    from tenohira.audit.note import SignedCheckpoint
    from tenohira.audit.witnessing import configured_witnesses, log_verifier, witness_latest
    from tenohira.core.progress import no_progress
    from tenohira.opendata.models import Release

    settings = get_settings()
    await bootstrap(settings, no_progress)  # the log key, its first head, the embedded witness
    assert await witness_latest(settings) == 1
    async with migrated_db.session() as session:
        await publish(session, settings, static_source(), Facilities(), reference_date=date(2026, 11, 1))
    async with migrated_db.session() as session:
        releases = (await session.scalars(select(Release))).all()
    assert releases
    (witness,) = configured_witnesses(settings)
    for release in releases:
        assert release.audit_checkpoint
        signed = SignedCheckpoint.parse(release.audit_checkpoint)
        assert signed.signed_by(log_verifier(settings)) and signed.cosigned_at(witness.verifier)
