"""A CKAN-compatible action API (``/api/3/action/*`` and ``/api/action/*``).

Shapes follow CKAN 2.10's action API so that existing clients (``ckanapi``, CKAN
harvesters) work unchanged: the ``{help, success, result}`` envelope, errors as
``{success: false, error: {__type, message}}`` with CKAN's status codes, parameters
from the query string (GET) or a JSON body (POST).
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira import __version__
from tenohira.core.config import get_settings
from tenohira.core.db import session_dependency
from tenohira.opendata.models import Dataset, Organization, Release
from tenohira.opendata.service import LICENSES, latest_release, stable_id

MAX_ROWS = 1000


class ActionError(Exception):
    """A CKAN action error: its ``__type`` and HTTP status."""

    def __init__(
        self, type_: str, message: str, status: int, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.type, self.message, self.status, self.fields = type_, message, status, fields or {}


def not_found(what: str = "Not found") -> ActionError:
    return ActionError("Not Found Error", what, 404)


def validation(field: str, message: str) -> ActionError:
    return ActionError("Validation Error", f"{field}: {message}", 409, {field: [message]})


def _iso(dt: Any) -> str | None:
    return dt.replace(tzinfo=None).isoformat() if dt else None


def resource_dicts(ds: Dataset, release: Release | None, base_url: str) -> list[dict[str, Any]]:
    """The dataset's downloadable files: the latest release as CSV and JSON."""
    if release is None:
        return []
    out = []
    for pos, (fmt, mime) in enumerate((("CSV", "text/csv"), ("JSON", "application/json"))):
        out.append(
            {
                "id": stable_id("resource", ds.id, fmt),
                "package_id": ds.id,
                "name": f"{ds.title} ({fmt})",
                "description": f"{ds.title_en} — release {release.version}",
                "format": fmt,
                "mimetype": mime,
                "url": f"{base_url}/opendata/datasets/{ds.name}/latest.{fmt.lower()}",
                "url_type": None,
                "created": _iso(release.released_at),
                "last_modified": _iso(release.released_at),
                "metadata_modified": _iso(release.released_at),
                "position": pos,
                "state": "active",
                "hash": release.sha256,
                "size": None,
                "resource_type": None,
                "cache_url": None,
                "datastore_active": False,
            }
        )
    return out


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": org.id,
        "name": org.name,
        "title": org.title,
        "display_name": org.title,
        "description": org.description,
        "image_url": "",
        "created": _iso(org.created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
    }
    if package_count is not None:
        d["package_count"] = package_count
    return d


def package_dict(ds: Dataset, org: Organization, release: Release | None, base_url: str) -> dict[str, Any]:
    """A CKAN package dict for one dataset."""
    license_title, license_url = LICENSES.get(ds.license_id, (ds.license_id, ""))
    resources = resource_dicts(ds, release, base_url)
    extras = [
        {"key": "spatial_code", "value": ds.spatial},
        {"key": "frequency", "value": ds.frequency},
        {"key": "kind", "value": ds.kind},
        {"key": "title_en", "value": ds.title_en},
        {"key": "notes_en", "value": ds.notes_en},
    ]
    if ds.temporal_start and ds.temporal_end:
        extras += [
            {"key": "temporal_start", "value": ds.temporal_start.isoformat()},
            {"key": "temporal_end", "value": ds.temporal_end.isoformat()},
        ]
    if release is not None:
        extras.append({"key": "version", "value": release.version})
    return {
        "id": ds.id,
        "name": ds.name,
        "title": ds.title,
        "notes": ds.notes,
        "type": "dataset",
        "state": "active",
        "private": False,
        "author": org.title,
        "author_email": None,
        "maintainer": org.title,
        "maintainer_email": None,
        "license_id": ds.license_id,
        "license_title": license_title,
        "license_url": license_url,
        "isopen": True,
        "url": f"{base_url}/opendata/datasets/{ds.name}",
        "version": release.version if release else None,
        "owner_org": org.id,
        "organization": organization_dict(org),
        "metadata_created": _iso(ds.created),
        "metadata_modified": _iso(ds.modified),
        "tags": [
            {
                "id": stable_id("tag", t),
                "name": t,
                "display_name": t,
                "state": "active",
                "vocabulary_id": None,
            }
            for t in ds.tags
        ],
        "num_tags": len(ds.tags),
        "resources": resources,
        "num_resources": len(resources),
        "groups": [],
        "relationships_as_object": [],
        "relationships_as_subject": [],
        "extras": extras,
    }


async def _all_packages(session: AsyncSession) -> list[dict[str, Any]]:
    base = get_settings().resolved_base_url
    orgs = {o.id: o for o in (await session.scalars(select(Organization))).all()}
    out = []
    for ds in (await session.scalars(select(Dataset).order_by(Dataset.name))).all():
        out.append(package_dict(ds, orgs[ds.organization_id], await latest_release(session, ds.id), base))
    return out


def _int(
    params: dict[str, Any], name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise validation(name, "Invalid integer") from None
    if value < minimum:
        raise validation(name, f"Must be a natural number (>= {minimum})")
    if maximum is not None and value > maximum:
        value = maximum  # CKAN caps rows silently at ckan.search.rows_max
    return value


def _field_values(pkg: dict[str, Any], field: str) -> list[str]:
    if field in ("tags", "tag"):
        return [t["name"] for t in pkg["tags"]]
    if field in ("organization", "owner_org"):
        return [pkg["organization"]["name"], pkg["owner_org"]]
    if field == "res_format":
        return [r["format"] for r in pkg["resources"]]
    if field == "license_id":
        return [pkg["license_id"]]
    if field in ("name", "title", "notes", "id", "state", "type", "version", "author", "maintainer"):
        return [str(pkg.get(field) or "")]
    for e in pkg["extras"]:
        if e["key"] == field:
            return [str(e["value"])]
    return []


_CLAUSE = re.compile(r"^([+-]?)([A-Za-z_][\w.]*):(.+)$")


def _parse_clauses(expr: str) -> tuple[list[tuple[bool, str, str]], list[str]]:
    """Split a Solr-like query into field clauses (negated?, field, value) and free terms."""
    try:
        tokens = shlex.split(expr)
    except ValueError:
        raise ActionError("Search Query Error", f"Invalid search query: {expr!r}", 409) from None
    clauses, terms = [], []
    for tok in tokens:
        if tok.upper() in ("AND", "OR") or tok in ("*:*", "*"):
            continue
        m = _CLAUSE.match(tok)
        if m:
            clauses.append((m.group(1) == "-", m.group(2), m.group(3).strip('"')))
        else:
            terms.append(tok.strip('"').lower())
    return clauses, terms


def _matches(pkg: dict[str, Any], clauses: list[tuple[bool, str, str]], terms: list[str]) -> bool:
    for negated, field, value in clauses:
        values = [v.lower() for v in _field_values(pkg, field)]
        wanted = value.lower()
        hit = any(v == wanted or (wanted.endswith("*") and v.startswith(wanted[:-1])) for v in values)
        if hit == negated:
            return False
    if terms:
        text = " ".join(
            [pkg["name"], pkg["title"], pkg["notes"] or "", *(t["name"] for t in pkg["tags"])]
            + [e["value"] for e in pkg["extras"] if e["key"] in ("title_en", "notes_en")]
        ).lower()
        if not all(t in text for t in terms):
            return False
    return True


def _score(pkg: dict[str, Any], terms: list[str]) -> int:
    return sum(pkg["title"].lower().count(t) * 3 + pkg["name"].lower().count(t) * 2 for t in terms)


_SORTABLE = {"name", "title_string", "metadata_modified", "metadata_created", "score"}


def _sort(results: list[dict[str, Any]], spec: str, terms: list[str]) -> None:
    keys = [k.strip().split() for k in spec.split(",") if k.strip()]
    for key in reversed(keys):
        field = key[0]
        desc = len(key) > 1 and key[1].lower() == "desc"
        if field not in _SORTABLE:
            raise ActionError("Search Query Error", f"Can not sort by field: {field}", 409)

        def value(p: dict[str, Any], field: str = field) -> Any:
            if field == "score":
                return _score(p, terms)
            if field == "title_string":
                return p["title"]
            return p.get(field) or ""

        results.sort(key=value, reverse=desc)


async def package_search(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
    q = str(params.get("q") or "")
    fq = str(params.get("fq") or "")
    rows = _int(params, "rows", 10, maximum=MAX_ROWS)
    start = _int(params, "start", 0)
    sort = str(params.get("sort") or ("score desc, metadata_modified desc" if q else "score desc, name asc"))
    clauses_q, terms = _parse_clauses(q)
    clauses_fq, free_fq = _parse_clauses(fq)
    pkgs = [p for p in await _all_packages(session) if _matches(p, clauses_q + clauses_fq, terms + free_fq)]
    _sort(pkgs, sort, terms)
    facet_fields = params.get("facet.field") or []
    if isinstance(facet_fields, str):
        try:
            facet_fields = json.loads(facet_fields)
        except ValueError:
            raise validation("facet.field", "Invalid JSON list") from None
    if not isinstance(facet_fields, list):
        raise validation("facet.field", "Must be a list")
    limit = _int(params, "facet.limit", 50, minimum=-1) if "facet.limit" in params else 50
    mincount = _int(params, "facet.mincount", 1)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for field in facet_fields:
        # an organisation is faceted by its name (its id is only an alias for filtering)
        width = 1 if field == "organization" else None
        counts = Counter(v for p in pkgs for v in set(_field_values(p, str(field))[:width]))
        items = [(k, c) for k, c in counts.most_common() if c >= mincount]
        if limit >= 0:
            items = items[:limit]
        facets[str(field)] = dict(items)
        search_facets[str(field)] = {
            "title": str(field),
            "items": [{"name": k, "display_name": k, "count": c} for k, c in items],
        }
    return {
        "count": len(pkgs),
        "results": pkgs[start : start + rows],
        "facets": facets,
        "search_facets": search_facets,
        "sort": sort,
    }


async def _find_package(session: AsyncSession, id_or_name: str) -> dict[str, Any]:
    for p in await _all_packages(session):
        if id_or_name in (p["id"], p["name"]):
            return p
    raise not_found()


async def _find_org(session: AsyncSession, id_or_name: str) -> Organization:
    org = await session.scalar(
        select(Organization).where((Organization.id == id_or_name) | (Organization.name == id_or_name))
    )
    if org is None:
        raise not_found()
    return org


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise validation(name, "Missing value")
    return str(value)


Action = Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]]


async def a_package_list(session: AsyncSession, params: dict[str, Any]) -> Any:
    names = sorted(p["name"] for p in await _all_packages(session))
    limit = _int(params, "limit", len(names)) if "limit" in params else len(names)
    offset = _int(params, "offset", 0)
    return names[offset : offset + limit]


async def a_package_show(session: AsyncSession, params: dict[str, Any]) -> Any:
    return await _find_package(session, _required(params, "id"))


async def a_package_search(session: AsyncSession, params: dict[str, Any]) -> Any:
    return await package_search(session, params)


async def a_resource_show(session: AsyncSession, params: dict[str, Any]) -> Any:
    rid = _required(params, "id")
    for p in await _all_packages(session):
        for r in p["resources"]:
            if r["id"] == rid:
                return r
    raise not_found("Resource was not found.")


async def a_organization_list(session: AsyncSession, params: dict[str, Any]) -> Any:
    orgs = (await session.scalars(select(Organization).order_by(Organization.name))).all()
    all_fields = str(params.get("all_fields", "false")).lower() in ("true", "1")
    if not all_fields:
        return [o.name for o in orgs]
    pkgs = await _all_packages(session)
    return [organization_dict(o, sum(p["owner_org"] == o.id for p in pkgs)) for o in orgs]


async def a_organization_show(session: AsyncSession, params: dict[str, Any]) -> Any:
    org = await _find_org(session, _required(params, "id"))
    pkgs = [p for p in await _all_packages(session) if p["owner_org"] == org.id]
    d = organization_dict(org, len(pkgs))
    if str(params.get("include_datasets", "false")).lower() in ("true", "1"):
        d["packages"] = pkgs
    d.update({"users": [], "groups": [], "tags": [], "extras": []})
    return d


async def a_status_show(session: AsyncSession, params: dict[str, Any]) -> Any:
    s = get_settings()
    return {
        "site_title": f"{s.municipality_name_ja} オープンデータ",
        "site_description": f"Open data of {s.municipality_name_en} (tenohira {__version__})",
        "site_url": s.resolved_base_url,
        "ckan_version": "2.10.4",
        "error_emails_to": None,
        "locale_default": "ja",
        "extensions": ["tenohira-dcat"],
    }


ACTIONS: dict[str, Action] = {
    "package_list": a_package_list,
    "package_show": a_package_show,
    "package_search": a_package_search,
    "resource_show": a_resource_show,
    "organization_list": a_organization_list,
    "organization_show": a_organization_show,
    "status_show": a_status_show,
}


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        if body:
            ctype = request.headers.get("content-type", "")
            if "application/x-www-form-urlencoded" in ctype or "multipart/form-data" in ctype:
                params.update(dict(await request.form()))
            else:
                try:
                    data = json.loads(body)
                except ValueError:
                    raise ActionError(
                        "Validation Error", "JSON Error: could not parse the request body", 400
                    ) from None
                if not isinstance(data, dict):
                    raise ActionError("Validation Error", "JSON Error: the body must be a JSON object", 400)
                params.update(data)
    return params


def build_router() -> APIRouter:
    router = APIRouter(tags=["open data (CKAN API)"])

    async def dispatch(
        action: str, request: Request, session: AsyncSession = Depends(session_dependency)
    ) -> JSONResponse:
        base = get_settings().resolved_base_url
        help_url = f"{base}/api/3/action/help_show?name={action}"
        try:
            fn = ACTIONS.get(action)
            if fn is None:
                raise ActionError("Not Found Error", f"Action name not known: {action}", 400)
            params = await _params(request)
            result = await fn(session, params)
        except ActionError as e:
            error: dict[str, Any] = {"__type": e.type, "message": e.message}
            error.update(e.fields)
            return JSONResponse({"help": help_url, "success": False, "error": error}, status_code=e.status)
        return JSONResponse({"help": help_url, "success": True, "result": result})

    for prefix in ("/api/3/action", "/api/action"):
        router.add_api_route(
            prefix + "/{action}",
            dispatch,
            methods=["GET", "POST"],
            summary="CKAN action API",
            include_in_schema=prefix == "/api/3/action",
        )
    return router


router = build_router()
