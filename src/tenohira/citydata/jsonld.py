"""Just enough JSON-LD for NGSI-LD: term expansion and compaction against @context term maps.

NGSI-LD only needs the names of attributes and the entity types to be expanded into IRIs
when stored and compacted back when returned (GS CIM 009 clause 5.5.7). A full JSON-LD
processor (rdflib, pyld) would also need network access for remote contexts; this one
resolves the ETSI core context (every published URL of it) from package data, user
contexts from what this server hosts itself (``/ngsi-ld/v1/jsonldContexts``), what the
request carries inline, and remote URLs through the documents that
:mod:`tenohira.citydata.remote` fetched (guarded and cached) before folding starts: the
folding itself never touches the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

from tenohira.citydata.errors import NgsiError, bad_request

CORE_CONTEXT_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"
CORE_CONTEXT_V18_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
CORE_UNVERSIONED_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
NGSI_LD = "https://uri.etsi.org/ngsi-ld/"
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
HOSTED_PATH = "/ngsi-ld/v1/jsonldContexts/"

# Where a Link header puts the @context (RFC 8288 relation of JSON-LD 1.1).
JSONLD_REL = "http://www.w3.org/ns/json-ld#context"

HostedLookup = Callable[[str], Any]
# the published names of the core context: unversioned, v1.0 … v1.9 (and patch versions)
_CORE_NAME = re.compile(r"ngsi-ld-core-context(-v1\.\d+(\.\d+)?)?\.jsonld")


@cache
def core_document(version: str = "1.9") -> dict[str, Any]:
    """The core @context document shipped with the package (``1.8`` or ``1.9``)."""
    text = (
        resources.files("tenohira.citydata.contexts")
        .joinpath(f"ngsi-ld-core-context-v{version}.jsonld")
        .read_text("utf-8")
    )
    doc: dict[str, Any] = json.loads(text)
    return doc


def core_version_of(url: str) -> str | None:
    """Which packaged core context a URL names, or None when it is not a core context URL.

    Versions before 1.8 and the unversioned URL resolve to the 1.9 file: later core
    contexts only add terms, so the newest one expands every older name the same way.
    """
    u = url.strip()
    if u.startswith("http://"):
        u = "https://" + u[len("http://") :]
    if not u.startswith("https://uri.etsi.org/ngsi-ld/") or not u.endswith(".jsonld"):
        return None
    name = u.rsplit("/", 1)[-1]
    if not _CORE_NAME.fullmatch(name):
        return None  # e.g. ngsi-ld-core-context-non-existing.jsonld: an ordinary remote URL
    return "1.8" if name.endswith("-v1.8.jsonld") else "1.9"


def hosted_id(url: str) -> str | None:
    """The id of a context hosted by this server, from its URL (any host: we never fetch)."""
    if HOSTED_PATH not in url:
        return None
    return unquote(url.split(HOSTED_PATH, 1)[1]).strip("/") or None


class ActiveContext:
    """Term definitions in force for one request: user contexts first, the core last (protected)."""

    def __init__(self, terms: dict[str, str], vocab: str | None, source: Any) -> None:
        self.terms = terms
        self.vocab = vocab
        self.source = source  # what the user sent (URL, list or object); None = core only
        self._expand_cache: dict[str, str] = {}
        self._compact_cache: dict[str, str] = {}
        reverse: dict[str, str] = {}
        for term, iri in sorted(terms.items(), key=lambda kv: (len(kv[0]), kv[0])):
            reverse.setdefault(iri, term)
        self._reverse = reverse
        self._prefixes = sorted(
            ((iri, term) for term, iri in terms.items() if iri.endswith(("/", "#")) and ":" not in term),
            key=lambda p: -len(p[0]),
        )

    @property
    def is_core_only(self) -> bool:
        return self.source is None

    def response_context(self) -> Any:
        """The @context to put in a JSON-LD response body (or the Link header target)."""
        if self.source is None:
            return CORE_CONTEXT_URL
        return self.source

    def link_url(self) -> str:
        """The URL for the response Link header (application/json responses)."""
        src = self.source
        if isinstance(src, str):
            return src
        if isinstance(src, list) and len(src) == 1 and isinstance(src[0], str):
            return str(src[0])
        return CORE_CONTEXT_URL

    def expand(self, name: str) -> str:
        """Expand an attribute name or an entity type into its IRI (vocabulary-relative)."""
        hit = self._expand_cache.get(name)
        if hit is not None:
            return hit
        iri = self._expand(name)
        self._expand_cache[name] = iri
        return iri

    def _expand(self, name: str) -> str:
        if name.startswith("@"):
            return name
        direct = self.terms.get(name)
        if direct is not None:
            return direct
        if ":" in name:
            prefix, suffix = name.split(":", 1)
            if suffix.startswith("//") or prefix == "_":
                return name
            base = self.terms.get(prefix)
            if base is not None:
                return base + suffix
            return name  # an absolute IRI such as urn:...
        return (self.vocab or "") + name if self.vocab else name

    def compact(self, iri: str) -> str:
        """Compact an IRI back into the shortest term the context defines for it."""
        hit = self._compact_cache.get(iri)
        if hit is not None:
            return hit
        term = self._compact(iri)
        self._compact_cache[iri] = term
        return term

    def _compact(self, iri: str) -> str:
        term = self._reverse.get(iri)
        if term is not None:
            return term
        if self.vocab and iri.startswith(self.vocab):
            rest = iri[len(self.vocab) :]
            if rest and ":" not in rest and rest not in self.terms:
                return rest
        for base, prefix in self._prefixes:
            if iri.startswith(base) and len(iri) > len(base):
                return f"{prefix}:{iri[len(base) :]}"
        return iri


def remote_urls(ctx: Any) -> list[str]:
    """The URLs in a @context value that are neither a core context nor hosted here (to fetch)."""
    if isinstance(ctx, str):
        return [] if core_version_of(ctx) else [ctx]
    if isinstance(ctx, list):
        return [u for item in ctx for u in remote_urls(item)]
    if isinstance(ctx, dict) and "@context" in ctx and len(ctx) == 1:
        return remote_urls(ctx["@context"])
    return []


def _collect(
    ctx: Any, terms: dict[str, Any], state: dict[str, Any], hosted: HostedLookup | None, depth: int
) -> None:
    """Fold one @context value (URL, object or list) into the raw term map."""
    if depth > 8:
        raise bad_request("@context nests too deeply")
    if ctx is None:
        terms.clear()
        state["vocab"] = None
        return
    if isinstance(ctx, list):
        for item in ctx:
            _collect(item, terms, state, hosted, depth + 1)
        return
    if isinstance(ctx, str):
        version = core_version_of(ctx)
        if version is not None:
            _collect(core_document(version)["@context"], terms, state, hosted, depth + 1)
            return
        hid = hosted_id(ctx)
        doc = hosted(hid) if (hid and hosted is not None) else None
        if doc is None and hosted is not None:
            doc = hosted(ctx)  # a remote context fetched for this request, by its URL
        if doc is None:
            raise NgsiError("LdContextNotAvailable", f"the @context {ctx} cannot be retrieved")
        inner = doc.get("@context", doc) if isinstance(doc, dict) else doc
        _collect(inner, terms, state, hosted, depth + 1)
        return
    if isinstance(ctx, dict):
        if "@context" in ctx and len(ctx) == 1:
            _collect(ctx["@context"], terms, state, hosted, depth + 1)
            return
        for key, value in ctx.items():
            if key == "@vocab":
                state["vocab"] = value
            elif key.startswith("@"):
                continue  # @version, @protected, @base, @language: no effect on names
            elif value is None:
                terms.pop(key, None)
            elif isinstance(value, str | dict):
                terms[key] = value
            else:
                raise bad_request(f"@context term {key!r} has an invalid definition")
        return
    raise bad_request("@context must be a URL, an object or a list of them")


def _resolve_terms(raw: dict[str, Any], vocab: str | None) -> dict[str, str]:
    """Turn raw definitions (strings, objects, compact IRIs) into absolute IRIs."""
    out: dict[str, str] = {}

    def resolve(term: str, seen: frozenset[str]) -> str | None:
        if term in out:
            return out[term]
        definition = raw.get(term)
        if definition is None:
            return None
        target = definition.get("@id") if isinstance(definition, dict) else definition
        if target is None:
            target = term
        if not isinstance(target, str):
            return None
        if target.startswith("@"):
            return target
        if ":" in target:
            prefix, suffix = target.split(":", 1)
            if not suffix.startswith("//") and prefix in raw and prefix not in seen and prefix != term:
                base = resolve(prefix, seen | {term})
                if base is not None:
                    return base + suffix
            return target
        if target in raw and target not in seen and target != term:
            return resolve(target, seen | {term})
        return (vocab + target) if vocab else target

    for term in raw:
        iri = resolve(term, frozenset())
        if iri is not None and not iri.startswith("@"):
            out[term] = iri
    return out


@cache
def _core_raw() -> tuple[dict[str, Any], str | None]:
    terms: dict[str, Any] = {}
    state: dict[str, Any] = {"vocab": None}
    _collect(core_document("1.9")["@context"], terms, state, None, 0)
    return terms, state["vocab"]


@cache
def core_context() -> ActiveContext:
    """The core context alone (what applies when the request brings none)."""
    terms, vocab = _core_raw()
    return ActiveContext(_resolve_terms(terms, vocab), vocab, None)


_contexts: dict[str, ActiveContext] = {}


def build_context(source: Any, hosted: HostedLookup | None = None) -> ActiveContext:
    """The active context for a user @context (URL, object or list); the core is appended last.

    The core context is protected: its terms win over user redefinitions, as GS CIM 009
    clause 5.5.7 requires of the implicitly appended core context.
    """
    if source is None or source == [] or (isinstance(source, str) and core_version_of(source)):
        return core_context()
    key = json.dumps(source, sort_keys=True)
    hit = _contexts.get(key)
    if hit is not None:
        return hit
    terms: dict[str, Any] = {}
    state: dict[str, Any] = {"vocab": DEFAULT_VOCAB}
    _collect(source, terms, state, hosted, 0)
    core_terms, core_vocab = _core_raw()
    terms.update(core_terms)
    vocab = core_vocab
    ctx = ActiveContext(_resolve_terms(terms, vocab), vocab, source)
    if len(_contexts) > 1000:
        _contexts.clear()
    _contexts[key] = ctx
    return ctx


def forget_cached_contexts() -> None:
    """Drop cached active contexts (a hosted context changed or was deleted)."""
    _contexts.clear()


def parse_link_header(value: str | None) -> str | None:
    """The @context URL of a Link header with the JSON-LD context relation, or None."""
    if not value:
        return None
    found: list[str] = []
    for part in _split_links(value):
        segs = [s.strip() for s in part.split(";")]
        if not segs or not segs[0].startswith("<") or not segs[0].endswith(">"):
            raise bad_request("the Link header is malformed")
        params = {}
        for s in segs[1:]:
            k, _, v = s.partition("=")
            params[k.strip().lower()] = v.strip().strip('"')
        if params.get("rel") == JSONLD_REL:
            found.append(segs[0][1:-1].strip())
    if len(found) > 1:
        raise bad_request("more than one JSON-LD @context Link header")
    return found[0] if found else None


def _split_links(value: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in value:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def link_header(url: str) -> str:
    """A Link header pointing at the @context ``url``."""
    return f'<{url}>; rel="{JSONLD_REL}"; type="application/ld+json"'
