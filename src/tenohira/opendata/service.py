"""Publishing: build each dataset, apply disclosure control, store a dated release."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import current_checkpoint
from tenohira.core.clock import today_jst
from tenohira.core.config import Settings
from tenohira.core.progress import ProgressFn, no_progress
from tenohira.opendata.datasets import DATASETS, BuildContext, DatasetSpec
from tenohira.opendata.disclosure import DEFAULT_THRESHOLD
from tenohira.opendata.models import Dataset, Organization, Release
from tenohira.opendata.sources import FacilitySource, StatisticsSource

NAMESPACE = uuid.UUID("6f1c5d1e-7b1e-4f55-9a57-74656e6f6869")  # stable ids for the demo's datasets

LICENSES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
}


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def organization_name(settings: Settings) -> str:
    return f"city-{settings.municipality_code}"


async def ensure_catalogue(session: AsyncSession, settings: Settings) -> Organization:
    """Create the publisher and every dataset described in DATASETS (idempotent)."""
    now = datetime.now(UTC)
    org_id = stable_id("org", settings.municipality_code)
    org = await session.get(Organization, org_id)
    if org is None:
        org = Organization(
            id=org_id,
            name=organization_name(settings),
            title=settings.municipality_name_ja,
            title_en=settings.municipality_name_en,
            description=(
                f"{settings.municipality_name_ja}のオープンデータ / "
                f"Open data of {settings.municipality_name_en}"
            ),
            municipality_code=settings.municipality_code,
            created=now,
        )
        session.add(org)
    for spec in DATASETS:
        ds_id = stable_id("dataset", settings.municipality_code, spec.name)
        ds = await session.get(Dataset, ds_id)
        if ds is None:
            ds = Dataset(
                id=ds_id,
                name=spec.name,
                organization_id=org_id,
                created=now,
                modified=now,
                spatial=settings.municipality_code,
                license_id="CC-BY-4.0",
            )
            session.add(ds)
        ds.title, ds.title_en, ds.notes, ds.notes_en = spec.title, spec.title_en, spec.notes, spec.notes_en
        ds.kind, ds.tags, ds.frequency = spec.kind, list(spec.tags), spec.frequency
        ds.columns, ds.chart = [dict(c) for c in spec.columns], spec.chart
    await session.flush()
    return org


@dataclass
class PublishOutcome:
    dataset: str
    status: str  # published | unchanged | unavailable
    version: str | None = None
    rows: int = 0
    suppressed: int = 0


def rows_digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


async def _next_version(session: AsyncSession, dataset_id: str, today: date) -> str:
    prefix = today.strftime("%Y%m%d")
    n = await session.scalar(
        select(func.count())
        .select_from(Release)
        .where(Release.dataset_id == dataset_id, Release.version.like(f"{prefix}.%"))
    )
    return f"{prefix}.{(n or 0) + 1}"


async def latest_release(session: AsyncSession, dataset_id: str) -> Release | None:
    return await session.scalar(
        select(Release).where(Release.dataset_id == dataset_id).order_by(Release.released_at.desc()).limit(1)
    )


async def publish(
    session: AsyncSession,
    settings: Settings,
    statistics: StatisticsSource,
    facilities: FacilitySource | None,
    *,
    reference_date: date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    only: list[str] | None = None,
    progress: ProgressFn = no_progress,
) -> list[PublishOutcome]:
    """Build every dataset (or ``only`` those) and store a new release where the data changed.

    Everything is gathered from the sources first, before this session writes anything: a
    source may call the hub, which logs the exchange in the same database, and an open write
    transaction here would block it (SQLite has one writer).
    """
    ref = reference_date or today_jst()
    now = datetime.now(UTC)
    specs: list[DatasetSpec] = [s for s in DATASETS if not only or s.name in only]
    ctx = BuildContext(statistics, facilities, ref, threshold)
    built_by_name = {}
    for k, spec in enumerate(specs):
        progress("gathering data", k, len(specs))
        built_by_name[spec.name] = await spec.builder(ctx)
    progress("gathering data", len(specs), len(specs))
    await ensure_catalogue(session, settings)
    outcomes: list[PublishOutcome] = []
    checkpoint: str | None = None
    for k, spec in enumerate(specs):
        progress("publishing datasets", k, len(specs))
        ds = await session.scalar(select(Dataset).where(Dataset.name == spec.name))
        assert ds is not None
        built = built_by_name[spec.name]
        if built is None:
            outcomes.append(PublishOutcome(spec.name, "unavailable"))
            continue
        digest = rows_digest(built.rows)
        last = await latest_release(session, ds.id)
        if last is not None and last.sha256 == digest:
            outcomes.append(
                PublishOutcome(spec.name, "unchanged", last.version, last.row_count, last.suppressed_cells)
            )
            continue
        version = await _next_version(session, ds.id, now.date())
        if checkpoint is None:
            checkpoint = await current_checkpoint(session, settings) or ""
        session.add(
            Release(
                id=stable_id("release", ds.id, version),
                dataset_id=ds.id,
                version=version,
                released_at=now,
                reference_date=ref,
                rows=built.rows,
                row_count=len(built.rows),
                suppressed_cells=built.suppressed,
                threshold=threshold if spec.kind == "statistics" else None,
                sha256=digest,
                audit_checkpoint=checkpoint or None,
            )
        )
        ds.modified = now
        if built.temporal:
            ds.temporal_start, ds.temporal_end = built.temporal
        outcomes.append(PublishOutcome(spec.name, "published", version, len(built.rows), built.suppressed))
        await session.flush()
    progress("publishing datasets", len(specs), len(specs))
    return outcomes


def to_csv(columns: list[dict[str, Any]], rows: list[dict[str, Any]], *, bom: bool = False) -> bytes:
    """CSV in UTF-8 (with a byte-order mark for spreadsheet users when ``bom``); suppressed values empty."""
    names = [c["id"] for c in columns]
    for r in rows:  # columns may be richer than declared (e.g. the 'measure' of a combined table)
        for key in r:
            if key not in names:
                names.insert(0, key)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in names})
    data = buf.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
