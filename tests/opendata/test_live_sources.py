"""Publishing from the running platform: counts come through the hub, facilities from city data."""

import asyncio
from typing import Any

import httpx

from tenohira.core import get_settings


def test_publish_from_the_running_platform(live_server: Any) -> None:
    from tenohira.opendata.tasks import publish_once

    # the standard datasets were published at first start, before the hub was serving
    pkg = httpx.get(live_server.url + "/api/3/action/package_show", params={"id": "aed-locations"}).json()
    assert pkg["result"]["num_resources"] == 2
    url = live_server.url + "/api/3/action/package_show"
    births = httpx.get(url, params={"id": "births-by-month-district"})
    assert births.json()["result"]["num_resources"] == 0  # not yet: statistics need the hub

    async def go() -> None:
        from tenohira.core.db import dispose_databases

        await publish_once(get_settings())
        await dispose_databases()

    asyncio.run(go())
    pop = httpx.get(live_server.url + "/opendata/datasets/population-by-age-band-district/latest.json").json()
    total = next(r for r in pop["rows"] if r["district"] == "total" and r["age_band"] == "total")
    assert total["population"] is not None and total["population"] >= 150  # the seeded demo city
    for row in pop["rows"]:
        assert row["population"] is None or row["population"] == 0 or row["population"] >= 10
    # the municipality answered through the hub: the exchange is in the transparency log metadata
    take_up = httpx.get(live_server.url + "/opendata/datasets/benefit-take-up/latest.json")
    assert take_up.status_code == 200
    evac = httpx.get(live_server.url + "/opendata/datasets/evacuation-sites/latest.csv").text
    assert "収容人数" in evac.splitlines()[0]
