"""NGSI-LD entity representations: validate and expand what comes in, compact what goes out.

Stored form: attribute names and entity types expanded to IRIs (via the request's
@context), every attribute normalized (``type`` + ``value``/``object``/...), with
``createdAt``/``modifiedAt`` kept on each attribute instance. An attribute with several
instances (distinguished by ``datasetId``) is stored as a list, otherwise as an object.

Out: normalized, concise or keyValues (GS CIM 009 clauses 4.5.1–4.5.3, 5.2.4), names
compacted against the request's @context, system attributes only with ``sysAttrs``.
"""

from __future__ import annotations

import json
import re
import unicodedata
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


# Invisible characters RFC 3987's ucschar still admits (fillers, blanks), refused in ids.
_INVISIBLE = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x00A0, 0x2028, 0x2029})


def _visible(ch: str) -> bool:
    cp = ord(ch)
    if cp in _INVISIBLE or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return False
    if 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
        return False  # noncharacters
    return unicodedata.category(ch) not in ("Cf", "Cc", "Cn", "Co", "Cs", "Zl", "Zp", "Zs")


def is_uri(value: Any) -> bool:
    """Whether ``value`` is an absolute URI (scheme ':' ...), as entity ids must be.

    Non-ASCII letters of an IRI (RFC 3987) are accepted; invisible, format (bidi controls,
    zero-width), variation-selector and noncharacter code points are not: an id carrying
    one reads as another id in logs and screens (GS CIM 009 clause 4.5.1).
    """
    if not isinstance(value, str) or not _URI.match(value):
        return False
    return value.isascii() or all(ch.isascii() or _visible(ch) for ch in value)


# The core GeoProperties (clause 4.7): their values must be geometries.
_GEO_ATTRIBUTES = frozenset(
    "https://uri.etsi.org/ngsi-ld/" + n for n in ("location", "observationSpace", "operationSpace")
)
# The NGSI-LD null (clause 4.5.5): only in merge and update payloads, never on create.
NGSI_NULL = "urn:ngsi-ld:null"
# Core terms that are members of attributes, not names of attributes (clause 4.6.2 / 5.2.5).
_RESERVED_ATTRIBUTE_NAMES = frozenset({"datasetId", "instanceId", "observedAt"})
# Output-only members a client may not write (clause 4.5.2: previous values come in notifications).
_OUTPUT_ONLY = frozenset(
    {
        "previousValue",
        "previousObject",
        "previousLanguageMap",
        "previousValueList",
        "previousObjectList",
        "previousJson",
        "previousVocab",
        "entityIdSealed",
        "entityTypeSealed",
    }
)


def is_scope(value: Any) -> bool:
    """Clause 4.18: '/' ScopeLevel *('/' ScopeLevel), a level being a letter then letters, digits, '_'."""
    if not isinstance(value, str) or not value.startswith("/"):
        return False
    levels = value[1:].split("/")
    return all(lv and lv[0].isalpha() and all(c.isalnum() or c == "_" for c in lv) for lv in levels)


def contains_null(value: Any) -> bool:
    """Whether a value holds the NGSI-LD null anywhere (refused on create, clause 5.5.4).

    A JSON null inside a compound value is data and stays allowed.
    """
    if value == NGSI_NULL:
        return True
    if isinstance(value, dict):
        return any(contains_null(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_null(v) for v in value)
    return False


def is_utc_datetime(value: Any) -> bool:
    """An NGSI-LD DateTime: ISO 8601 in UTC, written with 'Z' (clause 4.6.3)."""
    return isinstance(value, str) and value.endswith("Z") and parse_datetime(value) is not None


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
        if ":" not in t and t[0].isdigit():
            raise bad_request(f"the entity type {t!r} starts with a digit (clause 4.6.2)")
        iri = ctx.expand(t)
        if t in ("id", "type") or iri.startswith("@"):
            raise bad_request(f"the entity type {t!r} is a JSON-LD keyword alias, not a type name")
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
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                value = json.loads(value)  # a string-encoded GeoJSON geometry (clause 4.7.1)
            except ValueError as exc:
                raise bad_request(f"attribute {name!r}: invalid GeoJSON geometry text") from exc
        _check_geometry(value, name)
    elif atype == "LanguageProperty":
        if not isinstance(value, dict) or not all(k and _lang_strings(v) for k, v in value.items()):
            raise bad_request(f"attribute {name!r}: languageMap must map language tags to strings")
    elif atype == "JsonProperty":
        if not isinstance(value, dict | list):
            raise bad_request(f"attribute {name!r}: json must be a JSON object or array")
    elif atype == "ListRelationship":
        if not isinstance(value, list):
            raise bad_request(f"attribute {name!r}: {member} must be an array")
        entries: list[dict[str, Any]] = []
        for item in value:
            obj = item.get("object") if isinstance(item, dict) else item
            if not is_uri(obj):
                raise bad_request(f"attribute {name!r}: every objectList entry must be a URI")
            entries.append({"object": obj})
        value = entries
    elif atype == "ListProperty":
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
            if not is_utc_datetime(sub):
                raise bad_request(f"attribute {name!r}: observedAt must be a DateTime in UTC ('Z')")
            out[key] = sub
        elif key == "datasetId" and sub == "@none":
            continue  # the default instance, said explicitly (JSON-LD @none)
        elif key == "unitCode" and atype not in ("Property", "ListProperty"):
            raise bad_request(f"attribute {name!r}: a {atype} has no unitCode")
        elif key in _OUTPUT_ONLY and not (key.endswith("Sealed") and name == "ngsildproof"):
            raise bad_request(f"attribute {name!r}: {key!r} is output only")
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


def _lang_strings(v: Any) -> bool:
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))


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
        if name in _RESERVED_ATTRIBUTE_NAMES:
            raise bad_request(f"{name!r} is a member of attributes in NGSI-LD, not an attribute name")
        iri = ctx.expand(name)
        expanded = expand_attribute(name, raw, ctx, now)
        if iri in _GEO_ATTRIBUTES and any(i.get("type") != "GeoProperty" for i in instances(expanded)):
            raise bad_request(f"attribute {name!r} must be a GeoProperty (clause 4.7)")
        attrs[iri] = expanded
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
    for name, raw in body.items():
        if name not in ENTITY_MEMBERS and contains_null(raw):
            raise bad_request(f"attribute {name!r}: a null (or urn:ngsi-ld:null) cannot be created")
    scope = body.get("scope")
    if scope is not None:
        scope = scope if isinstance(scope, list) else [scope]
        if not all(is_scope(s) for s in scope):
            raise bad_request("scope must be a path like /Tenohira/Chuo or a list of them (clause 4.18)")
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
