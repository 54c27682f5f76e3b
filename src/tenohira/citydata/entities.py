"""NGSI-LD entity representations: validate and expand what comes in, compact what goes out.

Stored form: attribute names and entity types expanded to IRIs (via the request's
@context), every attribute normalized (``type`` + ``value``/``object``/...), with
``createdAt``/``modifiedAt`` kept on each attribute instance. An attribute with several
instances (distinguished by ``datasetId``) is stored as a list, otherwise as an object.

Out: normalized, concise or keyValues (GS CIM 009 clauses 4.5.1–4.5.3, 5.2.4), names
compacted against the request's @context, system attributes only with ``sysAttrs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tenohira.citydata.errors import bad_request
from tenohira.citydata.geo import GEOMETRY_TYPES, GeometryError, shape_of
from tenohira.citydata.jsonld import ActiveContext
from tenohira.citydata.query import ATTRIBUTE_KEYWORDS

ATTRIBUTE_TYPES = (
    "Property",
    "Relationship",
    "GeoProperty",
    "LanguageProperty",
    "ListProperty",
    "ListRelationship",
    "JsonProperty",
    "VocabProperty",
)
# Entity members that are not attributes.
ENTITY_MEMBERS = frozenset({"id", "type", "@context", "scope", "createdAt", "modifiedAt", "deletedAt"})
# The member carrying the value of each attribute type (normalized form).
VALUE_MEMBER = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
    "ListProperty": "valueList",
    "ListRelationship": "objectList",
    "JsonProperty": "json",
    "VocabProperty": "vocab",
}
_INFER = (
    ("value", "Property"),
    ("object", "Relationship"),
    ("languageMap", "LanguageProperty"),
    ("valueList", "ListProperty"),
    ("objectList", "ListRelationship"),
    ("json", "JsonProperty"),
    ("vocab", "VocabProperty"),
)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
# Characters GS CIM 009 clause 4.6.2 forbids in names (they break the query languages).
_FORBIDDEN_NAME = re.compile(r"[\s<>\"'=;()\[\]]")


def now_utc() -> datetime:
    """The current time (UTC), the clock of createdAt/modifiedAt."""
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    """NGSI-LD DateTime text: UTC with milliseconds and 'Z'."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def is_uri(value: Any) -> bool:
    """Whether ``value`` is an absolute URI (scheme ':' ...), as entity ids must be."""
    return isinstance(value, str) and bool(_URI.match(value))


def parse_datetime(value: Any) -> datetime | None:
    """An NGSI-LD DateTime (ISO 8601 with a time) as an aware datetime, or None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_name(name: str) -> None:
    # "@…" would stay unexpanded (a JSON-LD keyword), so it is no valid attribute or type name.
    """Refuse a name that NGSI-LD forbids (clause 4.6.2): 400 BadRequestData."""
    if not name or _FORBIDDEN_NAME.search(name) or name.startswith("@"):
        raise bad_request(f"invalid attribute or type name {name!r}")


def expand_types(raw: Any, ctx: ActiveContext) -> list[str]:
    """Validate the entity ``type`` member (a name or a list of names) and expand it."""
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(t, str) and t for t in items):
        raise bad_request("the entity type must be a non-empty string or a list of strings")
    out: list[str] = []
    for t in items:
        check_name(t)
        iri = ctx.expand(t)
        if iri not in out:
            out.append(iri)
    return out


def _check_geometry(value: Any, name: str) -> None:
    try:
        shape_of(value)
    except GeometryError as exc:
        raise bad_request(f"attribute {name!r}: invalid GeoJSON geometry: {exc}") from exc


def expand_attribute(
    name: str, raw: Any, ctx: ActiveContext, now: str
) -> dict[str, Any] | list[dict[str, Any]]:
    """Validate one attribute (normalized or concise) and return its stored form."""
    if isinstance(raw, list) and raw and all(isinstance(r, dict) for r in raw):
        instances = [_expand_instance(name, r, ctx, now) for r in raw]
        seen: set[str | None] = set()
        for inst in instances:
            ds = inst.get("datasetId")
            if ds in seen:
                raise bad_request(f"attribute {name!r}: two instances with the same datasetId")
            seen.add(ds)
        return instances[0] if len(instances) == 1 else instances
    return _expand_instance(name, raw, ctx, now)


def _expand_instance(name: str, raw: Any, ctx: ActiveContext, now: str) -> dict[str, Any]:
    if raw is None:
        raise bad_request(f"attribute {name!r} has no value")
    if not isinstance(raw, dict):
        return {"type": "Property", "value": raw, "createdAt": now, "modifiedAt": now}
    atype = raw.get("type")
    body = dict(raw)
    if atype is None:
        inferred = next((t for key, t in _INFER if key in raw), None)
        if inferred is None:
            raise bad_request(f"attribute {name!r}: cannot tell its type (no type, value or object)")
        if inferred == "Property" and _looks_geo(raw.get("value")):
            inferred = "GeoProperty"
        atype = inferred
    elif atype in GEOMETRY_TYPES and "coordinates" in raw:
        body = {"value": {"type": atype, "coordinates": raw["coordinates"]}}
        atype = "GeoProperty"
    elif atype not in ATTRIBUTE_TYPES:
        raise bad_request(f"attribute {name!r}: unknown attribute type {atype!r}")
    out: dict[str, Any] = {"type": atype}
    member = VALUE_MEMBER[atype]
    if member not in body or body[member] is None:
        raise bad_request(f"attribute {name!r}: a {atype} needs '{member}'")
    value = body[member]
    if atype == "Relationship":
        objs = value if isinstance(value, list) else [value]
        if not objs or not all(is_uri(o) for o in objs):
            raise bad_request(f"attribute {name!r}: a Relationship object must be a URI")
    elif atype == "GeoProperty":
        _check_geometry(value, name)
    elif atype == "LanguageProperty":
        if not isinstance(value, dict) or not all(isinstance(v, str | list) for v in value.values()):
            raise bad_request(f"attribute {name!r}: languageMap must map language tags to strings")
    elif atype in ("ListProperty", "ListRelationship"):
        if not isinstance(value, list):
            raise bad_request(f"attribute {name!r}: {member} must be an array")
    elif atype == "VocabProperty":
        vocab = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in vocab):
            raise bad_request(f"attribute {name!r}: vocab must be a string or strings")
        value = [ctx.expand(v) for v in vocab] if isinstance(value, list) else ctx.expand(value)
    out[member] = value
    if atype == "LanguageProperty":
        # Every string of the map, kept under "value" (never rendered): q terms then match a
        # LanguageProperty in any language, in SQL as in Python, like an array value.
        out["value"] = _language_strings(value)
    for key, sub in body.items():
        if key in ("type", member, "createdAt", "modifiedAt", "instanceId"):
            continue
        if atype == "LanguageProperty" and key == "value" and "languageMap" in body:
            continue  # our own derived member, coming back through a partial update
        if key == "observedAt":
            if parse_datetime(sub) is None:
                raise bad_request(f"attribute {name!r}: observedAt must be a DateTime")
            out[key] = sub
        elif key == "datasetId":
            if not is_uri(sub):
                raise bad_request(f"attribute {name!r}: datasetId must be a URI")
            out[key] = sub
        elif key in ("unitCode", "objectType", "lang", "expiresAt"):
            out[key] = sub
        elif key in ATTRIBUTE_KEYWORDS or key.startswith("@"):
            raise bad_request(f"attribute {name!r}: {key!r} does not belong in a {atype}")
        else:
            check_name(key)
            expanded = expand_attribute(key, sub, ctx, now)
            out[ctx.expand(key)] = expanded
    out["createdAt"] = now
    out["modifiedAt"] = now
    return out


def _language_strings(language_map: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for v in language_map.values():
        out.extend(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
    return out


def _looks_geo(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in GEOMETRY_TYPES and "coordinates" in value


def expand_attributes(body: dict[str, Any], ctx: ActiveContext, now: str) -> dict[str, Any]:
    """The attributes of an entity fragment in stored form (entity members skipped)."""
    attrs: dict[str, Any] = {}
    for name, raw in body.items():
        if name in ENTITY_MEMBERS:
            continue
        check_name(name)
        attrs[ctx.expand(name)] = expand_attribute(name, raw, ctx, now)
    return attrs


@dataclass
class ParsedEntity:
    """A validated entity ready to store."""

    id: str
    types: list[str]
    attrs: dict[str, Any]
    scope: list[str] | None


def parse_entity(body: Any, ctx: ActiveContext, now: str) -> ParsedEntity:
    """Validate a whole entity (create, upsert, replace) and expand it."""
    if not isinstance(body, dict):
        raise bad_request("an entity must be a JSON object")
    eid = body.get("id")
    if eid is None:
        raise bad_request("the entity has no id")
    if not is_uri(eid):
        raise bad_request(f"the entity id {eid!r} is not a URI")
    if "type" not in body:
        raise bad_request("the entity has no type")
    types = expand_types(body["type"], ctx)
    scope = body.get("scope")
    if scope is not None:
        scope = scope if isinstance(scope, list) else [scope]
        if not all(isinstance(s, str) and s.startswith("/") for s in scope):
            raise bad_request("scope must be a path like /Tenohira/Chuo or a list of them")
    return ParsedEntity(eid, types, expand_attributes(body, ctx, now), scope)


def bbox_of(attrs: dict[str, Any], location_iri: str) -> tuple[float, float, float, float] | None:
    """Bounding box of the (first instance of the) location GeoProperty."""
    loc = attrs.get(location_iri)
    if isinstance(loc, list):
        loc = loc[0] if loc else None
    if not isinstance(loc, dict) or loc.get("type") != "GeoProperty":
        return None
    try:
        return shape_of(loc.get("value")).bbox()
    except GeometryError:
        return None


# ---------------------------------------------------------------- rendering


@dataclass
class RenderOptions:
    """How to present entities: format, system attributes, attribute projection, language."""

    fmt: str = "normalized"  # normalized | concise | keyValues
    sys_attrs: bool = False
    attrs: frozenset[str] | None = None  # expanded names to keep
    omit: frozenset[str] = frozenset()  # expanded names to drop (also "id"/"type")
    lang: str | None = None


def _pick_language(lm: dict[str, Any], lang: str) -> tuple[Any, str | None]:
    wanted = [w.split(";")[0].strip() for w in lang.split(",") if w.strip()]
    for w in wanted:
        if w == "*" and lm:
            k = next(iter(lm))
            return lm[k], k
        if w in lm:
            return lm[w], w
    if "@none" in lm:
        return lm["@none"], None
    if lm:
        k = next(iter(lm))
        return lm[k], k
    return None, None


_VALUE_KEYS = frozenset({"type", *VALUE_MEMBER.values()})
_SYS_KEYS = frozenset({"createdAt", "modifiedAt"})


def _render_instance(a: dict[str, Any], ctx: ActiveContext, opts: RenderOptions) -> Any:
    atype = a.get("type", "Property")
    member = VALUE_MEMBER.get(atype, "value")
    value = a.get(member)
    if atype == "VocabProperty":
        value = [ctx.compact(v) for v in value] if isinstance(value, list) else ctx.compact(str(value))
    if atype == "LanguageProperty" and opts.lang is not None and isinstance(value, dict):
        picked, tag = _pick_language(value, opts.lang)
        if opts.fmt == "keyValues":
            return picked
        out: dict[str, Any] = {"type": "Property", "value": picked}
        if tag:
            out["lang"] = tag
        atype, member = "Property", "value"
    else:
        if opts.fmt == "keyValues":
            return value
        out = {"type": atype, member: value}
    for key, sub in a.items():
        if key in _VALUE_KEYS:
            continue
        if key in _SYS_KEYS:
            if opts.sys_attrs:
                out[key] = sub
            continue
        if key in ATTRIBUTE_KEYWORDS:
            out[key] = sub
            continue
        out[ctx.compact(key)] = _render_attribute(sub, ctx, opts)
    if opts.fmt == "concise":
        del out["type"]
        if atype == "Relationship":
            return out
        if len(out) == 1 and member == "value" and not isinstance(value, dict | list):
            return value  # a bare value is a Property in concise form
        if len(out) == 1 and atype == "GeoProperty":
            return value  # a bare GeoJSON geometry is a GeoProperty in concise form
    return out


def _render_attribute(a: Any, ctx: ActiveContext, opts: RenderOptions) -> Any:
    if isinstance(a, list):
        rendered = [_render_instance(i, ctx, opts) for i in a]
        if opts.fmt == "keyValues":
            return rendered[0] if len(rendered) == 1 else rendered
        return rendered
    return _render_instance(a, ctx, opts)


def render_entity(
    eid: str,
    types: list[str],
    attrs: dict[str, Any],
    ctx: ActiveContext,
    opts: RenderOptions,
    *,
    created_at: datetime | None = None,
    modified_at: datetime | None = None,
    scope: list[str] | None = None,
) -> dict[str, Any]:
    """An entity in the requested representation, names compacted against ``ctx``."""
    out: dict[str, Any] = {}
    if "id" not in opts.omit:
        out["id"] = eid
    if "type" not in opts.omit:
        compacted = [ctx.compact(t) for t in types]
        out["type"] = compacted[0] if len(compacted) == 1 else compacted
    if scope:
        out["scope"] = scope[0] if len(scope) == 1 else scope
    if opts.sys_attrs and opts.fmt != "keyValues":
        if created_at is not None:
            out["createdAt"] = iso(created_at)
        if modified_at is not None:
            out["modifiedAt"] = iso(modified_at)
    plain = opts.fmt == "normalized" and not opts.sys_attrs and opts.lang is None
    for iri, a in attrs.items():
        if opts.attrs is not None and iri not in opts.attrs:
            continue
        if iri in opts.omit:
            continue
        out[ctx.compact(iri)] = _render_plain(a, ctx, opts) if plain else _render_attribute(a, ctx, opts)
    return out


def _render_plain(a: Any, ctx: ActiveContext, opts: RenderOptions) -> Any:
    """Normalized form without system attributes: the stored instance minus createdAt and
    modifiedAt, sub-attribute names compacted (the common case, without the general path's
    per-key dispatch; the same output, key order included)."""
    if isinstance(a, list):
        return [_render_plain(i, ctx, opts) for i in a]
    if a.get("type") in ("LanguageProperty", "VocabProperty"):
        return _render_instance(a, ctx, opts)  # derived value to drop / vocabulary to compact
    out: dict[str, Any] = {}
    for key, sub in a.items():
        if key in ATTRIBUTE_KEYWORDS:
            if key not in _SYS_KEYS:
                out[key] = sub
        else:
            out[ctx.compact(key)] = _render_plain(sub, ctx, opts)
    return out


def instances(a: Any) -> list[dict[str, Any]]:
    """The instances of a stored attribute."""
    if isinstance(a, list):
        return [i for i in a if isinstance(i, dict)]
    return [a] if isinstance(a, dict) else []


def merge_instances(old: Any, new: Any, *, overwrite: bool = True) -> tuple[Any, bool]:
    """Put the new instance(s) into an attribute, by datasetId; keeps old createdAt.

    Returns the merged attribute and whether anything changed.
    """
    current = instances(old)
    changed = False
    for inst in instances(new):
        ds = inst.get("datasetId")
        match = next((i for i, c in enumerate(current) if c.get("datasetId") == ds), None)
        if match is None:
            current.append(inst)
            changed = True
        elif overwrite:
            inst = dict(inst)
            inst["createdAt"] = current[match].get("createdAt", inst.get("createdAt"))
            current[match] = inst
            changed = True
    merged: Any = current[0] if len(current) == 1 else current
    return merged, changed
