"""The sources the running platform publishes from.

- the municipality's counts, asked through the hub as the ``opendata`` member (the registry
  never leaves the municipality; only tables of counts do);
- the palm's application counts and processing times (in process: the palm registers its
  source with :func:`~tenohira.opendata.sources.register_statistics`);
- the hub's exchanges, from the public metadata of the transparency log;
- the city's facilities, from the same records the NGSI-LD API serves.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import structlog

from tenohira.audit import entries_of_type
from tenohira.citydata import seed_facilities
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.hub import HubClient, load_member_credentials
from tenohira.opendata.sources import (
    CombinedSource,
    CountTable,
    DurationSample,
    FacilitySource,
    StatisticsSource,
    registered_statistics,
)

log = structlog.get_logger("tenohira.opendata")

MEMBER_ID = "opendata"
MUNICIPAL_TABLES = ("births_by_month_district", "population_by_age_band_district", "benefit_take_up")


def _table(d: dict[str, Any]) -> CountTable:
    return CountTable(d["row_label"], d["column_label"], list(d["rows"]), list(d["columns"]), d["counts"])


class MunicipalityStatistics:
    """Count tables from the municipality, through the hub."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def count_table(self, name: str, reference_date: date) -> CountTable | None:
        if name not in MUNICIPAL_TABLES:
            return None
        try:
            credentials = load_member_credentials(self.settings, MEMBER_ID)
        except (FileNotFoundError, OSError):
            log.warning("opendata has no hub credentials yet", table=name)
            return None
        try:
            async with HubClient.from_credentials(credentials, self.settings.resolved_hub_url) as client:
                answer = await client.call(
                    "municipality.statistics",
                    subject_code=None,
                    purpose="open-data",
                    json={"table": name, "date": reference_date.isoformat()},
                )
        except httpx.HTTPError as exc:  # the hub is not up (e.g. publishing before the server starts)
            log.warning("hub unreachable for statistics", table=name, error=str(exc))
            return None
        if not answer.ok:
            log.warning("statistics refused", table=name, problem=answer.problem)
            return None
        return _table(answer.json())

    async def durations(self, name: str, reference_date: date) -> DurationSample | None:
        return None


class HubExchangeStatistics:
    """Exchanges per client → provider pair and month, from the transparency log's metadata."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def count_table(self, name: str, reference_date: date) -> CountTable | None:
        if name != "hub_exchanges_by_pair_month":
            return None
        since = datetime.combine(reference_date - timedelta(days=366), datetime.min.time(), tzinfo=UTC)
        counts: Counter[tuple[str, str]] = Counter()
        async with get_database(self.settings).session() as session:
            async for e in entries_of_type(session, "hub:exchange", since=since):
                if e.attributes.get("outcome") != "forwarded":
                    continue
                provider = str(e.attributes.get("service", "?")).split(".", 1)[0]
                counts[(f"{e.actor}→{provider}", e.created_at.strftime("%Y-%m"))] += 1
        if not counts:
            return None
        pairs = sorted({p for p, _ in counts})
        months = sorted({m for _, m in counts})
        return CountTable("pair", "month", pairs, months, [[counts[(p, m)] for m in months] for p in pairs])

    async def durations(self, name: str, reference_date: date) -> DurationSample | None:
        return None


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


class CityFacilities:
    """The standard datasets (自治体標準オープンデータセット) from the city's facility records."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _common(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "全国地方公共団体コード": self.settings.municipality_code,
            "ID": r["id"],
            "地方公共団体名": self.settings.municipality_name_ja,
            "名称": r["name_ja"],
            "名称_カナ": _katakana(r.get("name_kana", "")),
            "名称_英字": r.get("name_en", ""),
            "所在地_連結表記": r["address"],
            "緯度": r["latitude"],
            "経度": r["longitude"],
        }

    def records(self, dataset: str) -> list[dict[str, Any]]:
        facilities = seed_facilities(self.settings.seed)
        if dataset == "public-facilities":
            return [
                {
                    **self._common(r),
                    "POIコード": r.get("kind", ""),
                    "電話番号": r.get("phone", ""),
                    "利用可能曜日": r.get("opening_hours", ""),
                    "開始時間": "",
                    "終了時間": "",
                }
                for r in facilities
                if r["category"] == "public_facility"
            ]
        if dataset == "aed-locations":
            return [
                {
                    **self._common(r),
                    "設置位置": r.get("spot", ""),
                    "利用可能曜日": r.get("hours", ""),
                    "開始時間": "",
                    "終了時間": "",
                }
                for r in facilities
                if r["category"] == "aed"
            ]
        if dataset == "evacuation-sites":
            return [
                {
                    **self._common(r),
                    "収容人数": r.get("capacity"),
                    "洪水": "flood" in r.get("hazards", []),
                    "地震": "earthquake" in r.get("hazards", []),
                    "津波": "tsunami" in r.get("hazards", []),
                }
                for r in facilities
                if r["category"] == "evacuation_site"
            ]
        return []


def default_sources(settings: Settings) -> tuple[StatisticsSource, FacilitySource | None]:
    """Statistics from the systems that hold the data, facilities from the city data store."""
    statistics = CombinedSource(
        MunicipalityStatistics(settings), *registered_statistics(settings), HubExchangeStatistics(settings)
    )
    return statistics, CityFacilities(settings)
