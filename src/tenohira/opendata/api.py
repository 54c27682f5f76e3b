"""Open data over HTTP: the CKAN action API, the DCAT catalogue, downloads and the portal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import get_settings
from tenohira.core.db import session_dependency
from tenohira.core.problems import Problem
from tenohira.opendata.chart import bar_chart
from tenohira.opendata.ckan import ActionError, _all_packages, package_search
from tenohira.opendata.ckan import router as ckan_router
from tenohira.opendata.dcat import catalogue_graph
from tenohira.opendata.models import Dataset, Release
from tenohira.opendata.service import latest_release, organization_name, to_csv

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

router = APIRouter()
router.include_router(ckan_router)


def _not_found() -> Problem:
    return Problem(404, "dataset-not-found", "Dataset or release not found", "データセットが見つかりません")


async def _dataset(session: AsyncSession, name: str) -> Dataset:
    ds = await session.scalar(select(Dataset).where(Dataset.name == name))
    if ds is None:
        raise _not_found()
    return ds


async def _release(session: AsyncSession, ds: Dataset, version: str) -> Release:
    if version == "latest":
        rel = await latest_release(session, ds.id)
    else:
        rel = await session.scalar(
            select(Release).where(Release.dataset_id == ds.id, Release.version == version)
        )
    if rel is None:
        raise _not_found()
    return rel


def _catalog_meta() -> dict[str, Any]:
    s = get_settings()
    return {
        "title": f"{s.municipality_name_ja} オープンデータカタログ",
        "title_en": f"{s.municipality_name_en} open data catalogue",
        "description": f"{s.municipality_name_ja}が公開する統計と標準データセット（個人情報を含みません）。",
        "description_en": f"Statistics and standard datasets published by {s.municipality_name_en} "
        "(no personal data).",
        "publisher_name": organization_name(s),
        "publisher_title": s.municipality_name_ja,
        "publisher_title_en": s.municipality_name_en,
        "municipality_code": s.municipality_code,
    }


@router.get(
    "/opendata/catalog",
    tags=["open data"],
    summary="DCAT-AP 3 catalogue (Turtle or JSON-LD by Accept, or ?format=ttl|jsonld)",
    responses={200: {"content": {"text/turtle": {}, "application/ld+json": {}}}},
)
async def catalog(
    request: Request,
    format: str | None = Query(default=None, pattern="^(ttl|jsonld)$"),
    session: AsyncSession = Depends(session_dependency),
) -> Response:
    accept = request.headers.get("accept", "")
    fmt = format or ("ttl" if "turtle" in accept else "jsonld")
    graph = catalogue_graph(_catalog_meta(), await _all_packages(session), get_settings().resolved_base_url)
    if fmt == "ttl":
        return Response(graph.serialize(format="turtle"), media_type="text/turtle; charset=utf-8")
    return Response(graph.serialize(format="json-ld", indent=2), media_type="application/ld+json")


@router.get("/opendata/catalog.ttl", tags=["open data"], include_in_schema=False)
async def catalog_ttl(request: Request, session: AsyncSession = Depends(session_dependency)) -> Response:
    return await catalog(request, "ttl", session)


@router.get("/opendata/catalog.jsonld", tags=["open data"], include_in_schema=False)
async def catalog_jsonld(request: Request, session: AsyncSession = Depends(session_dependency)) -> Response:
    return await catalog(request, "jsonld", session)


@router.get("/opendata/datasets/{name}/releases", tags=["open data"], summary="A dataset's releases")
async def releases(name: str, session: AsyncSession = Depends(session_dependency)) -> list[dict[str, Any]]:
    ds = await _dataset(session, name)
    rows = await session.scalars(
        select(Release).where(Release.dataset_id == ds.id).order_by(Release.released_at)
    )
    return [
        {
            "version": r.version,
            "released_at": r.released_at.isoformat(),
            "reference_date": r.reference_date.isoformat(),
            "rows": r.row_count,
            "suppressed_cells": r.suppressed_cells,
            "threshold": r.threshold,
            "sha256": r.sha256,
            "audit_checkpoint": r.audit_checkpoint,
        }
        for r in rows
    ]


@router.get("/opendata/datasets/{name}/{version}.csv", tags=["open data"], summary="A release as CSV (UTF-8)")
async def download_csv(
    name: str,
    version: str,
    bom: bool = Query(default=False, description="prefix a byte-order mark (for spreadsheet software)"),
    session: AsyncSession = Depends(session_dependency),
) -> Response:
    ds = await _dataset(session, name)
    rel = await _release(session, ds, version)
    return Response(
        to_csv(ds.columns, rel.rows, bom=bom),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{rel.version}.csv"'},
    )


@router.get("/opendata/datasets/{name}/{version}.json", tags=["open data"], summary="A release as JSON")
async def download_json(
    name: str, version: str, session: AsyncSession = Depends(session_dependency)
) -> JSONResponse:
    ds = await _dataset(session, name)
    rel = await _release(session, ds, version)
    return JSONResponse(
        {
            "dataset": ds.name,
            "title": ds.title,
            "title_en": ds.title_en,
            "version": rel.version,
            "released_at": rel.released_at.isoformat(),
            "reference_date": rel.reference_date.isoformat(),
            "license": ds.license_id,
            "threshold": rel.threshold,
            "suppressed_cells": rel.suppressed_cells,
            "columns": ds.columns,
            "rows": rel.rows,
        }
    )


@router.get("/opendata", response_class=HTMLResponse, tags=["open data"], summary="Open data portal")
async def portal(
    request: Request,
    q: str = Query(default="", max_length=200),
    session: AsyncSession = Depends(session_dependency),
) -> HTMLResponse:
    params = {"rows": 1000, "facet.field": json.dumps(["tags"])}
    try:
        found = await package_search(session, {**params, "q": q})
    except ActionError:
        # The query syntax (Solr-like, read by shlex) could not read it: a quote left open, as in
        # ``' OR '1'='1' --``. The search never reaches SQL (packages are matched in Python), so
        # this was only a syntax error; a person typing in the box gets the words searched as typed.
        found = await package_search(session, {**params, "q": literal_words(q)})
    return templates.TemplateResponse(
        request,
        "portal.html",
        {"q": q, "result": found, "meta": _catalog_meta()},
    )


def literal_words(q: str) -> str:
    """``q`` as plain words for the search: quotes and backslashes (the syntax) become spaces."""
    return " ".join(q.translate(_SYNTAX).split())


_SYNTAX = str.maketrans({c: " " for c in "\"'\\"})


@router.get(
    "/opendata/datasets/{name}", response_class=HTMLResponse, tags=["open data"], summary="Dataset page"
)
async def dataset_page(
    request: Request, name: str, session: AsyncSession = Depends(session_dependency)
) -> HTMLResponse:
    ds = await _dataset(session, name)
    rel = await latest_release(session, ds.id)
    rows = rel.rows if rel else []
    return templates.TemplateResponse(
        request,
        "dataset.html",
        {
            "ds": ds,
            "release": rel,
            "columns": [c["id"] for c in ds.columns if any(c["id"] in r for r in rows[:1])]
            or [c["id"] for c in ds.columns],
            "preview": rows[:50],
            "chart": bar_chart(ds.chart, rows, ds.title) if ds.chart and rows else None,
            "meta": _catalog_meta(),
        },
    )


@router.get("/opendata/static/portal.css", include_in_schema=False)
async def portal_css() -> Response:
    css = (Path(__file__).parent / "static" / "portal.css").read_text()
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})
