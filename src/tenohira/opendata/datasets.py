"""The datasets the city publishes: what each is, and how its rows are built.

Statistics datasets are built from count tables after disclosure control; the
standard datasets (自治体標準オープンデータセット) from the city's own records.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tenohira.opendata.disclosure import protect
from tenohira.opendata.sources import CountTable, FacilitySource, StatisticsSource


@dataclass
class Built:
    """The rows of one release, and how many values disclosure control hid."""

    rows: list[dict[str, Any]]
    suppressed: int = 0
    temporal: tuple[date, date] | None = None


Builder = Callable[["BuildContext"], Awaitable[Built | None]]


@dataclass
class BuildContext:
    statistics: StatisticsSource
    facilities: FacilitySource | None
    reference_date: date
    threshold: int


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset's description (DCAT/CKAN metadata) and its builder."""

    name: str
    title: str
    title_en: str
    notes: str
    notes_en: str
    kind: str  # statistics | standard
    tags: tuple[str, ...]
    columns: tuple[dict[str, str], ...]
    builder: Builder
    frequency: str = "MONTHLY"
    chart: dict[str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _month_range(columns: list[str]) -> tuple[date, date] | None:
    months = sorted(c for c in columns if len(c) == 7 and c[4] == "-")
    if not months:
        return None
    first = date.fromisoformat(months[0] + "-01")
    y, m = int(months[-1][:4]), int(months[-1][5:])
    last = date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1
    return first, date.fromordinal(last)


def _table_rows(table: CountTable, value: str, threshold: int) -> Built:
    t = protect(table.rows, table.columns, table.counts, threshold)
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(t.rows):
        for j, c in enumerate(t.columns):
            v = t.cells[i][j]
            rows.append({table.row_label: r, table.column_label: c, value: v, "suppressed": v is None})
        total = t.row_totals[i]
        rows.append(
            {table.row_label: r, table.column_label: "total", value: total, "suppressed": total is None}
        )
    for j, c in enumerate(t.columns):
        total = t.column_totals[j]
        rows.append(
            {table.row_label: "total", table.column_label: c, value: total, "suppressed": total is None}
        )
    rows.append(
        {
            table.row_label: "total",
            table.column_label: "total",
            value: t.grand_total,
            "suppressed": t.grand_total is None,
        }
    )
    return Built(rows, t.primary + t.secondary, _month_range(table.columns))


def _from_table(table_name: str, value: str) -> Builder:
    async def build(ctx: BuildContext) -> Built | None:
        table = await ctx.statistics.count_table(table_name, ctx.reference_date)
        if table is None:
            return None
        return _table_rows(table, value, ctx.threshold)

    return build


async def _applications_by_month(ctx: BuildContext) -> Built | None:
    filed = await ctx.statistics.count_table("applications_filed_by_month", ctx.reference_date)
    decided = await ctx.statistics.count_table("applications_decided_by_month", ctx.reference_date)
    if filed is None or decided is None:
        return None
    a = _table_rows(filed, "count", ctx.threshold)
    b = _table_rows(decided, "count", ctx.threshold)
    rows = [{"measure": "filed", **r} for r in a.rows] + [{"measure": "decided", **r} for r in b.rows]
    return Built(rows, a.suppressed + b.suppressed, a.temporal or b.temporal)


async def _processing_time(ctx: BuildContext) -> Built | None:
    sample = await ctx.statistics.durations("processing_days_by_procedure", ctx.reference_date)
    if sample is None:
        return None
    rows: list[dict[str, Any]] = []
    hidden = 0
    for group, values in sorted(sample.durations.items()):
        n = len(values)
        # A median of fewer cases than the threshold describes too few people to publish.
        if n < ctx.threshold:
            hidden += 1
            rows.append(
                {
                    sample.group_label: group,
                    "cases": None,
                    "median_days": None,
                    "p90_days": None,
                    "suppressed": True,
                }
            )
            continue
        ordered = sorted(values)
        p90 = ordered[min(n - 1, round(0.9 * (n - 1)))]
        rows.append(
            {
                sample.group_label: group,
                "cases": n,
                "median_days": round(statistics.median(ordered), 2),
                "p90_days": round(p90, 2),
                "suppressed": False,
            }
        )
    return Built(rows, hidden)


async def _take_up(ctx: BuildContext) -> Built | None:
    table = await ctx.statistics.count_table("benefit_take_up", ctx.reference_date)
    if table is None:
        return None
    # eligible and claimed overlap (claimed ⊆ eligible): no additive totals, so only primary suppression.
    rows: list[dict[str, Any]] = []
    hidden = 0
    for i, benefit in enumerate(table.rows):
        vals = dict(zip(table.columns, table.counts[i], strict=True))
        eligible, claimed = vals.get("eligible", 0), vals.get("claimed", 0)
        small = any(0 < v < ctx.threshold for v in (eligible, claimed, eligible - claimed))
        if small:
            hidden += 1
            rows.append(
                {"benefit": benefit, "eligible": None, "claimed": None, "take_up": None, "suppressed": True}
            )
        else:
            rate = round(claimed / eligible, 4) if eligible else None
            rows.append(
                {
                    "benefit": benefit,
                    "eligible": eligible,
                    "claimed": claimed,
                    "take_up": rate,
                    "suppressed": False,
                }
            )
    return Built(rows, hidden)


def _standard(dataset: str) -> Builder:
    async def build(ctx: BuildContext) -> Built | None:
        if ctx.facilities is None:
            return None
        records = ctx.facilities.records(dataset)
        return Built(records) if records else None

    return build


_STD_COMMON = (
    {"id": "全国地方公共団体コード", "type": "string"},
    {"id": "ID", "type": "string"},
    {"id": "地方公共団体名", "type": "string"},
    {"id": "名称", "type": "string"},
    {"id": "名称_カナ", "type": "string"},
    {"id": "名称_英字", "type": "string"},
    {"id": "所在地_連結表記", "type": "string"},
    {"id": "緯度", "type": "number"},
    {"id": "経度", "type": "number"},
)

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        name="births-by-month-district",
        title="町字別・月別出生数",
        title_en="Births per month by district",
        notes="住民基本台帳に基づく月別・町字別の出生数。10未満のセルは秘匿し、合計から復元できないよう二次秘匿を行っています。",
        notes_en="Births per month and district from the resident registry. Cells under the threshold are "
        "suppressed, with secondary suppression so that they cannot be recovered from the totals.",
        kind="statistics",
        tags=("出生", "births", "人口", "population"),
        columns=(
            {"id": "district", "type": "string"},
            {"id": "month", "type": "string"},
            {"id": "births", "type": "integer"},
            {"id": "suppressed", "type": "boolean"},
        ),
        builder=_from_table("births_by_month_district", "births"),
        chart={"type": "bar", "x": "month", "y": "births", "where": "district=total"},
    ),
    DatasetSpec(
        name="population-by-age-band-district",
        title="町字別・年齢階級別人口",
        title_en="Population by age band and district",
        notes="住民基本台帳に基づく町字別・5歳階級別人口（秘匿処理済み）。",
        notes_en="Population by five-year age band and district from the resident registry "
        "(with disclosure control).",
        kind="statistics",
        tags=("人口", "population", "年齢", "age"),
        columns=(
            {"id": "district", "type": "string"},
            {"id": "age_band", "type": "string"},
            {"id": "population", "type": "integer"},
            {"id": "suppressed", "type": "boolean"},
        ),
        builder=_from_table("population_by_age_band_district", "population"),
        chart={"type": "bar", "x": "age_band", "y": "population", "where": "district=total"},
    ),
    DatasetSpec(
        name="procedures-by-month",
        title="手続別・月別の申請件数と決定件数",
        title_en="Procedures filed and decided per month",
        notes="デジタル申請の手続別・月別の申請件数と決定件数（秘匿処理済み）。",
        notes_en="Applications filed and decided per procedure and month (with disclosure control).",
        kind="statistics",
        tags=("手続", "procedures", "申請", "applications"),
        columns=(
            {"id": "measure", "type": "string"},
            {"id": "procedure", "type": "string"},
            {"id": "month", "type": "string"},
            {"id": "count", "type": "integer"},
            {"id": "suppressed", "type": "boolean"},
        ),
        builder=_applications_by_month,
        chart={"type": "bar", "x": "month", "y": "count", "where": "procedure=total,measure=filed"},
    ),
    DatasetSpec(
        name="processing-time-by-procedure",
        title="手続別の処理日数（中央値・90パーセンタイル）",
        title_en="Processing time per procedure (median, p90)",
        notes="申請から決定までの日数。件数が閾値未満の手続は公表しません。",
        notes_en="Days from submission to decision. "
        "Procedures with fewer cases than the threshold are not published.",
        kind="statistics",
        tags=("手続", "procedures", "処理日数", "processing time"),
        columns=(
            {"id": "procedure", "type": "string"},
            {"id": "cases", "type": "integer"},
            {"id": "median_days", "type": "number"},
            {"id": "p90_days", "type": "number"},
            {"id": "suppressed", "type": "boolean"},
        ),
        builder=_processing_time,
        chart={"type": "bar", "x": "procedure", "y": "median_days"},
    ),
    DatasetSpec(
        name="benefit-take-up",
        title="給付の受給率（対象者のうち申請した割合）",
        title_en="Take-up of each benefit among those eligible",
        notes="ルールにより対象と判定された世帯のうち、申請した世帯の割合。",
        notes_en="Share of those the rules found eligible who claimed the benefit.",
        kind="statistics",
        tags=("給付", "benefits", "受給率", "take-up"),
        columns=(
            {"id": "benefit", "type": "string"},
            {"id": "eligible", "type": "integer"},
            {"id": "claimed", "type": "integer"},
            {"id": "take_up", "type": "number"},
            {"id": "suppressed", "type": "boolean"},
        ),
        builder=_take_up,
        chart={"type": "bar", "x": "benefit", "y": "take_up"},
    ),
    DatasetSpec(
        name="hub-exchanges-by-agency-pair",
        title="機関間の情報連携件数（月別）",
        title_en="Hub exchanges per agency pair per month",
        notes="情報連携ハブを通じた機関間のやり取りの件数（照会機関→提供機関、月別）。",
        notes_en="Exchanges through the information-linkage hub per client → provider pair and month.",
        kind="statistics",
        tags=("情報連携", "hub", "透明性", "transparency"),
        columns=(
            {"id": "pair", "type": "string"},
            {"id": "month", "type": "string"},
            {"id": "exchanges", "type": "integer"},
            {"id": "suppressed", "type": "boolean"},
        ),
        builder=_from_table("hub_exchanges_by_pair_month", "exchanges"),
        chart={"type": "bar", "x": "month", "y": "exchanges", "where": "pair=total"},
    ),
    DatasetSpec(
        name="public-facilities",
        title="公共施設一覧",
        title_en="Public facilities",
        notes="自治体標準オープンデータセット「公共施設一覧」の形式による市の公共施設。",
        notes_en="The city's public facilities in the format of the standard municipal open dataset.",
        kind="standard",
        tags=("公共施設", "facilities", "標準データセット"),
        columns=(
            *_STD_COMMON,
            {"id": "POIコード", "type": "string"},
            {"id": "電話番号", "type": "string"},
            {"id": "利用可能曜日", "type": "string"},
            {"id": "開始時間", "type": "string"},
            {"id": "終了時間", "type": "string"},
        ),
        builder=_standard("public-facilities"),
        frequency="IRREG",
    ),
    DatasetSpec(
        name="aed-locations",
        title="AED設置箇所一覧",
        title_en="AED locations",
        notes="自治体標準オープンデータセット「AED設置箇所一覧」の形式によるAEDの設置場所。",
        notes_en="Locations of automated external defibrillators, "
        "in the standard municipal open dataset format.",
        kind="standard",
        tags=("AED", "防災", "safety", "標準データセット"),
        columns=(
            *_STD_COMMON,
            {"id": "設置位置", "type": "string"},
            {"id": "利用可能曜日", "type": "string"},
            {"id": "開始時間", "type": "string"},
            {"id": "終了時間", "type": "string"},
        ),
        builder=_standard("aed-locations"),
        frequency="IRREG",
    ),
    DatasetSpec(
        name="evacuation-sites",
        title="指定緊急避難場所一覧",
        title_en="Designated emergency evacuation sites",
        notes="自治体標準オープンデータセット「指定緊急避難場所一覧」の形式による避難場所。",
        notes_en="Designated emergency evacuation sites, in the standard municipal open dataset format.",
        kind="standard",
        tags=("避難場所", "防災", "evacuation", "標準データセット"),
        columns=(
            *_STD_COMMON,
            {"id": "収容人数", "type": "integer"},
            {"id": "洪水", "type": "boolean"},
            {"id": "地震", "type": "boolean"},
            {"id": "津波", "type": "boolean"},
        ),
        builder=_standard("evacuation-sites"),
        frequency="IRREG",
    ),
)

BY_NAME = {d.name: d for d in DATASETS}
