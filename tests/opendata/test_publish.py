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
