from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import pytest

from tenohira.opendata.sources import CountTable, DurationSample, StaticSource


class Facilities:
    def records(self, dataset: str) -> list[dict[str, Any]]:
        if dataset != "aed-locations":
            return []
        return [
            {
                "全国地方公共団体コード": "990019",
                "ID": f"AED{i:03d}",
                "地方公共団体名": "手のひら市",
                "名称": f"市民センター{i}",
                "名称_カナ": "シミンセンター",
                "名称_英字": "Civic Center",
                "所在地_連結表記": f"手のひら市中央{i}丁目",
                "緯度": 35.0 + i / 1000,
                "経度": 135.0,
                "設置位置": "1階入口",
                "利用可能曜日": "月火水木金",
                "開始時間": "09:00",
                "終了時間": "17:00",
            }
            for i in range(1, 4)
        ]


def static_source() -> StaticSource:
    births = CountTable(
        "district", "month", ["中央", "東", "西"], ["2026-09", "2026-10"], [[12, 3], [25, 30], [0, 14]]
    )
    pop = CountTable(
        "district", "age_band", ["中央", "東"], ["0-4", "5-9", "10-14"], [[40, 2, 55], [60, 70, 80]]
    )
    pairs = CountTable(
        "pair", "month", ["palm→municipality", "municipality→hospital"], ["2026-10"], [[120], [4]]
    )
    return StaticSource(
        {
            "births_by_month_district": births,
            "population_by_age_band_district": pop,
            "hub_exchanges_by_pair_month": pairs,
        },
        {
            "processing_days_by_procedure": DurationSample(
                "procedure", {"child_allowance": [1.0] * 12, "rare": [3.0]}
            )
        },
    )


@pytest.fixture
async def published(migrated_db: Any) -> AsyncIterator[Any]:
    from tenohira.core import get_settings
    from tenohira.opendata.service import publish

    async with migrated_db.session() as session:
        outcomes = await publish(
            session, get_settings(), static_source(), Facilities(), reference_date=date(2026, 11, 1)
        )
    yield outcomes


@pytest.fixture
def opendata_server(published: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tests.conftest import LiveServer, free_port

    from tenohira.core import reset_settings

    port = free_port()
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    reset_settings()
    server = LiveServer(port)
    server.start()
    yield server
    server.stop()
