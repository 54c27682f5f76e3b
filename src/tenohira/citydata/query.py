"""The NGSI-LD query language (GS CIM 009 clause 4.9): parser, evaluator and SQL translation.

``q`` is parsed once into a small tree. The tree is evaluated in Python (subscriptions)
and, for queries, inside the database so that filtering, ``limit``/``offset`` and
``count`` happen there: on PostgreSQL translated into one SQL/JSON path expression
(``data @? '$ ? (…)'``, whose equality terms the GIN index answers); on SQLite the same
Python evaluator runs as a SQL function over each row. A term the path language cannot
express exactly (a path through a metadata member) makes the query fall back to the
Python evaluator. Array values match when one element does, in every form
(``tests/citydata/test_q_consistency.py`` checks SQL against Python).

Grammar accepted (AND ``;`` binds tighter than OR ``|``; parentheses group)::

    term   := path | path op value
    op     := == | != | > | >= | < | <= | ~= | !~= | =~
    path   := name ('.' name)* ('[' key ('.' key)* ']')*
    value  := number | "string" | true | false | dateTime | date | time | URI
            | value ',' value ... (list, for == and !=) | value '..' value (range)
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from tenohira.citydata import fastjson
from tenohira.citydata.errors import bad_request
from tenohira.citydata.jsonld import ActiveContext

# Keys of an attribute that are not sub-attributes (their names are NGSI-LD keywords).
ATTRIBUTE_KEYWORDS = frozenset(
    {
        "type",
        "value",
        "object",
        "objectType",
        "languageMap",
        "valueList",
        "objectList",
        "json",
        "vocab",
        "observedAt",
        "unitCode",
        "datasetId",
        "createdAt",
        "modifiedAt",
        "instanceId",
        "lang",
        "expiresAt",
    }
)
_OPERATORS = ("!~=", "~=", "=~", "==", "!=", ">=", "<=", ">", "<")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_DATE_LIKE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$|^\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$"
)
_NAME = re.compile(r"^[^\s()\[\];|<>=!~\"',]+$")


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any


@dataclass(frozen=True)
class Path:
    attr: str  # as written (compacted) — expanded later against the context
    sub: tuple[str, ...] = ()
    compound: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    path: Path
    op: str | None = None  # None = the attribute exists
    value: Any = None  # scalar, list (value list), Range, or a compiled regex for ~=


@dataclass(frozen=True)
class Bool:
    op: Literal["and", "or"]
    items: tuple[Node, ...]


Node = Term | Bool


def _scalar(text: str, *, comparable: bool) -> Any:
    t = text.strip()
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        return t[1:-1]
    if _NUMBER.match(t):
        return float(t) if any(c in t for c in ".eE") else int(t)
    if _DATE_LIKE.match(t):
        return t
    if not comparable:
        if t in ("true", "false"):
            return t == "true"
        if t and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\"]+$", t):
            return t  # a URI, e.g. a Relationship object
    raise bad_request(f"invalid value {t!r} in q")


def _split_top(text: str, sep: str) -> list[str]:
    parts, current, quoted = [], "", False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        if not quoted and text.startswith(sep, i):
            parts.append(current)
            current = ""
            i += len(sep)
            continue
        current += ch
        i += 1
    parts.append(current)
    return parts


def _value(op: str, text: str) -> Any:
    if op in ("~=", "=~", "!~="):
        pattern = text.strip()
        if len(pattern) >= 2 and pattern[0] == '"' and pattern[-1] == '"':
            pattern = pattern[1:-1]
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise bad_request(f"invalid regular expression in q: {exc}") from exc
    if op in ("==", "!="):
        rng = _split_top(text, "..")
        if len(rng) == 2:
            return Range(_scalar(rng[0], comparable=True), _scalar(rng[1], comparable=True))
        items = _split_top(text, ",")
        if len(items) > 1:
            return tuple(_scalar(i, comparable=False) for i in items)
        return _scalar(text, comparable=False)
    return _scalar(text, comparable=True)


def _path(text: str) -> Path:
    t = text.strip()
    compound: list[str] = []
    if "[" in t:
        head, _, rest = t.partition("[")
        for chunk in ("[" + rest).split("["):
            if not chunk:
                continue
            if not chunk.endswith("]") or chunk.count("]") != 1:
                raise bad_request(f"invalid attribute path {text!r} in q")
            compound.extend(k for k in chunk[:-1].split(".") if k)
        t = head
    if "://" in t:
        names = [t]  # a full IRI: its dots are not path separators
    else:
        names = t.split(".")
    if not names or not all(n and _NAME.match(n) for n in names) or not all(_NAME.match(k) for k in compound):
        raise bad_request(f"invalid attribute name in q: {text!r}")
    return Path(names[0], tuple(names[1:]), tuple(compound))


def _term(text: str) -> Term:
    t = text.strip()
    if not t:
        raise bad_request("empty term in q")
    quoted = False
    for i, ch in enumerate(t):
        if ch == '"':
            quoted = not quoted
        if quoted:
            continue
        for op in _OPERATORS:
            if t.startswith(op, i):
                path = _path(t[:i])
                rest = t[i + len(op) :]
                if not rest.strip():
                    raise bad_request(f"missing value after {op} in q")
                return Term(path, "~=" if op == "=~" else op, _value(op, rest))
    return Term(_path(t))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Node:
        node = self.or_expr()
        if self.pos != len(self.text):
            raise bad_request(f"unexpected {self.text[self.pos :]!r} in q")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.pos < len(self.text) and self.text[self.pos] == "|":
            self.pos += 1
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Bool("or", tuple(items))

    def and_expr(self) -> Node:
        items = [self.atom()]
        while self.pos < len(self.text) and self.text[self.pos] == ";":
            self.pos += 1
            items.append(self.atom())
        return items[0] if len(items) == 1 else Bool("and", tuple(items))

    def atom(self) -> Node:
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            self.pos += 1
            node = self.or_expr()
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise bad_request("unbalanced parentheses in q")
            self.pos += 1
            return node
        start, quoted = self.pos, False
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch in ";|)":
                break
            elif not quoted and ch == "(" and self.pos > start:
                raise bad_request("unexpected '(' in q")
            self.pos += 1
        if quoted:
            raise bad_request("unterminated string in q")
        return _term(self.text[start : self.pos])


def parse_q(text: str) -> Node:
    """Parse a ``q`` expression; raises BadRequestData (400) when it is not valid."""
    if not text or not text.strip():
        raise bad_request("q is empty")
    return _Parser(text.strip()).parse()


# ---------------------------------------------------------------- evaluation in Python


def _key(ctx: ActiveContext, name: str) -> str:
    return name if name in ATTRIBUTE_KEYWORDS else ctx.expand(name)


def _instances(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [n for n in node if isinstance(n, dict)]
    return [node] if isinstance(node, dict) else []


def _targets(attrs: dict[str, Any], path: Path, ctx: ActiveContext) -> list[Any]:
    """The values a path designates in stored (expanded) attributes; [] when absent."""
    nodes: list[Any] = _instances(attrs.get(ctx.expand(path.attr)))
    for name in path.sub:
        nxt: list[Any] = []
        for n in nodes:
            if name in ATTRIBUTE_KEYWORDS:
                if name in n:
                    nxt.append({"type": "Property", "value": n[name]})
            else:
                nxt.extend(_instances(n.get(ctx.expand(name))))
        nodes = nxt
    values: list[Any] = []
    for n in nodes:
        if "value" in n:
            v = n["value"]
        elif "object" in n:
            v = n["object"]
        elif "languageMap" in n:
            lm = n["languageMap"]
            values.extend(lm.values() if isinstance(lm, dict) else [])
            continue
        elif "valueList" in n:
            v = n["valueList"]
        elif "objectList" in n:
            v = n["objectList"]
        elif "vocab" in n:
            v = n["vocab"]
        elif "json" in n:
            v = n["json"]
        else:
            continue
        for key in path.compound:
            v = _member(v, key)
        if v is not None:
            values.append(v)
    return values


def _member(v: Any, key: str) -> Any:
    """``v[key]`` of a compound value; an array gives its elements' members (as SQL/JSON path
    does in lax mode, so that ``address[city]`` also reads an array of addresses)."""
    if isinstance(v, dict):
        return v.get(key)
    if isinstance(v, list):
        found = [m for m in (e.get(key) for e in v if isinstance(e, dict)) if m is not None]
        return found or None
    return None


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _compare(target: Any, op: str, value: Any) -> bool:
    if isinstance(target, list):
        return any(_compare(t, op, value) for t in target)
    if op in ("~=", "!~="):
        return isinstance(target, str) and value.search(target) is not None
    if op == "==":
        if isinstance(value, Range):
            return _compare(target, ">=", value.low) and _compare(target, "<=", value.high)
        if isinstance(value, tuple):
            return any(_compare(target, "==", v) for v in value)
        return _same_kind(target, value) and target == value
    if not _same_kind(target, value) or isinstance(value, bool):
        return False
    if op == ">":
        return bool(target > value)
    if op == ">=":
        return bool(target >= value)
    if op == "<":
        return bool(target < value)
    if op == "<=":
        return bool(target <= value)
    return False


def evaluate(node: Node, attrs: dict[str, Any], ctx: ActiveContext) -> bool:
    """Whether stored (expanded) attributes satisfy the parsed ``q``."""
    if isinstance(node, Bool):
        results = (evaluate(n, attrs, ctx) for n in node.items)
        return all(results) if node.op == "and" else any(results)
    targets = _targets(attrs, node.path, ctx)
    if not targets:
        return False
    if node.op is None:
        return True
    if node.op == "!=":
        return not any(_compare(t, "==", node.value) for t in targets)
    if node.op == "!~=":
        return not any(_compare(t, "~=", node.value) for t in targets)
    return any(_compare(t, node.op, node.value) for t in targets)


def attribute_names(node: Node, ctx: ActiveContext) -> set[str]:
    """Expanded names of the top-level attributes a query refers to."""
    if isinstance(node, Bool):
        out: set[str] = set()
        for n in node.items:
            out |= attribute_names(n, ctx)
        return out
    return {ctx.expand(node.path.attr)}


# ---------------------------------------------------------------- q inside SQLite

# SQLite stores JSON as text and has no index over it, so its query plan reads every row of the
# entity type whatever the filter; there ``q`` runs as a SQL function over each row's ``data``
# (``ngsild_q(data, key)``): the very evaluator subscriptions use, hence exact, and still in
# SQL so that ``limit``, ``offset`` and ``count`` stay in the database. The key names a parsed
# q with its @context in this process (recently used ones are kept).
SQLITE_Q_FUNCTION = "ngsild_q"
_SQLITE_Q_KEEP = 4096
_sqlite_q: OrderedDict[str, tuple[Node, ActiveContext]] = OrderedDict()
_sqlite_q_keys: dict[tuple[Node, int], str] = {}


def sqlite_q_key(node: Node, ctx: ActiveContext) -> str:
    """Register a parsed q (and its @context) for ``ngsild_q``; returns its key."""
    ident = (node, id(ctx))
    key = _sqlite_q_keys.get(ident)
    if key is None or key not in _sqlite_q:
        key = f"q{next(_sqlite_q_counter)}"
        _sqlite_q_keys[ident] = key
    _sqlite_q[key] = (node, ctx)
    _sqlite_q.move_to_end(key)
    while len(_sqlite_q) > _SQLITE_Q_KEEP:
        _key, (old_node, old_ctx) = _sqlite_q.popitem(last=False)
        _sqlite_q_keys.pop((old_node, id(old_ctx)), None)
    return key


_sqlite_q_counter = itertools.count(1)


def sqlite_q_match(data: str | None, key: str) -> int:
    """``ngsild_q(data, key)``: 1 when the stored attributes satisfy the registered q."""
    found = _sqlite_q.get(key)
    if found is None:
        raise LookupError(f"q {key} is not registered in this process")
    if data is None:
        return 0
    node, ctx = found
    attrs = fastjson.loads(data)
    return 1 if isinstance(attrs, dict) and evaluate(node, attrs, ctx) else 0


def _json_texts(value: Any) -> list[str]:
    """How a scalar can appear in stored JSON text (ASCII-escaped as json.dumps writes it, or raw)."""
    out = [json.dumps(value), json.dumps(value, ensure_ascii=False)]
    return list(dict.fromkeys(out))


def _needles(value: Any) -> list[str] | None:
    """Substrings one of which the JSON text of an attribute equal to ``value`` must contain."""
    if isinstance(value, bool) or isinstance(value, str):
        return _json_texts(value)
    if isinstance(value, int | float) and abs(value) < 1e15:
        if float(value).is_integer():
            return [str(int(value))]  # 5 also finds 5.0 and 5.5e… : only a necessary condition
        return [repr(float(value))]
    return None


def sqlite_prefilter(node: Node, ctx: ActiveContext, bind: Any) -> str | None:
    """A cheap necessary condition for ``node`` on SQLite's JSON text (``instr``), or None.

    Every term needs its attribute's IRI in the text, and ``==`` one of its values; rows
    failing it are skipped before ``ngsild_q`` parses them. ``bind(value)`` returns a
    placeholder for a bound value.
    """

    def contains(texts: list[str]) -> str:
        return "(" + " OR ".join(f"instr(data, {bind(t)}) > 0" for t in texts) + ")"

    if isinstance(node, Bool):
        parts = [sqlite_prefilter(n, ctx, bind) for n in node.items]
        if node.op == "and":
            kept = [p for p in parts if p]
            return "(" + " AND ".join(kept) + ")" if kept else None
        if any(p is None for p in parts):
            return None
        return "(" + " OR ".join(p for p in parts if p) + ")"
    conds = [contains(_json_texts(ctx.expand(node.path.attr)))]
    if node.op == "==" and not isinstance(node.value, Range):
        values = node.value if isinstance(node.value, tuple) else (node.value,)
        found = [_needles(v) for v in values]
        if all(n is not None for n in found):
            conds.append(contains([t for n in found if n for t in n]))
    return "(" + " AND ".join(conds) + ")"


# ---------------------------------------------------------------- translation to SQL/JSON path (PostgreSQL)

# The members of a stored attribute instance that carry its value: each instance has exactly
# one of them (a LanguageProperty's derived "value" holds the same strings as its languageMap),
# so "any of these members" designates the same values as the Python evaluator's ``_targets``.
VALUE_MEMBERS = ("value", "object", "valueList", "objectList", "vocab", "json")


@functools.lru_cache(maxsize=4096)
def _jp_string(text: str) -> str:
    """A SQL/JSON path string literal (JSON escapes are valid there)."""
    return json.dumps(text, ensure_ascii=False)


def _jp_scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _jp_string(value)
    return None


class JsonPathTranslator:
    """Translate a parsed q into one SQL/JSON path filter, for ``data @? '$ ? (…)'`` on PostgreSQL.

    One path expression per query lets the GIN ``jsonb_path_ops`` index answer every equality
    term of it in one scan (comparisons are checked on the rows it returns), and the path
    language already has the semantics of NGSI-LD ``q`` (clause 4.9): in lax mode an array —
    of values, or of the instances of a multi-attribute — matches when one element does, and
    values of different JSON types are never equal nor ordered (``1`` is not ``"1"`` nor
    ``true``); strings order by code point, as in Python. "Unknown" (a comparison of different
    types) counts as no match inside ``exists``, so ``!=`` and ``!~=`` negate an exact test.

    ``translate`` returns the path text, or None when a term cannot be expressed here (the
    caller then filters in Python).
    """

    def __init__(self, ctx: ActiveContext) -> None:
        self.ctx = ctx

    def translate(self, node: Node) -> str | None:
        expr = self._node(node)
        return None if expr is None else f"$ ? ({expr})"

    def _node(self, node: Node) -> str | None:
        if isinstance(node, Bool):
            parts = [self._node(n) for n in node.items]
            if any(p is None for p in parts):
                return None
            joiner = " && " if node.op == "and" else " || "
            return "(" + joiner.join(p for p in parts if p) + ")"
        return self._term(node)

    def _targets(self, path: Path) -> tuple[str, list[str]] | None:
        """The path to the attribute's instances, and the paths from an instance to its values.

        Each term becomes ``exists(<instances> ? (<test of the values>))``: the long attribute
        IRI is looked up once per row, the members within the (small) instance.
        """
        if any(s in ATTRIBUTE_KEYWORDS for s in path.sub[:-1]):
            return None
        base = "@." + _jp_string(self.ctx.expand(path.attr))
        keyword_leaf = bool(path.sub) and path.sub[-1] in ATTRIBUTE_KEYWORDS
        for s in path.sub[:-1] if keyword_leaf else path.sub:
            base += "." + _jp_string(self.ctx.expand(s))
        compound = "".join("." + _jp_string(k) for k in path.compound)
        if keyword_leaf:
            return base, [f"@.{_jp_string(path.sub[-1])}{compound}"]
        return base, [f"@.{_jp_string(m)}{compound}" for m in VALUE_MEMBERS]

    def _term(self, term: Term) -> str | None:
        found = self._targets(term.path)
        if found is None:
            return None
        base, targets = found

        def within(tests: list[str]) -> str:
            return f"exists({base} ? ({' || '.join(tests)}))"

        keyword_leaf = bool(term.path.sub) and term.path.sub[-1] in ATTRIBUTE_KEYWORDS
        if keyword_leaf or term.path.compound:
            # A null inside a compound value is no value (the Python evaluator skips None).
            exists = within([f"exists({t} ? (@ != null))" for t in targets])
        else:
            exists = f"exists({base})"
        op, value = term.op, term.value
        if op is None:
            return exists
        # exists(...) is true or false, never unknown: "!" of it is exact for != and !~=.
        if op in ("~=", "!~="):
            match = within([f"{t} like_regex {_jp_string(value.pattern)}" for t in targets])
            return match if op == "~=" else f"({exists} && !{match})"
        if op in ("==", "!="):
            tests = self._eq(targets, value)
            if tests is None:
                return None
            return within(tests) if op == "==" else f"({exists} && !{within(tests)})"
        lit = _jp_scalar(value)
        if lit is None or isinstance(value, bool):
            return None
        return within([f"{t} {op} {lit}" for t in targets])

    def _eq(self, targets: list[str], value: Any) -> list[str] | None:
        if isinstance(value, Range):
            lo, hi = _jp_scalar(value.low), _jp_scalar(value.high)
            if lo is None or hi is None:
                return None
            # One element must lie in the range (not one above the low end and another below the high).
            return [f"exists({t} ? (@ >= {lo} && @ <= {hi}))" for t in targets]
        values = value if isinstance(value, tuple) else (value,)
        parts: list[str] = []
        for v in values:
            lit = _jp_scalar(v)
            if lit is None:
                return None
            parts.extend(f"{t} == {lit}" for t in targets)
        return parts
