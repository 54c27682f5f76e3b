"""The NGSI-LD query language (GS CIM 009 clause 4.9): parser, evaluator and SQL translation.

``q`` is parsed once into a small tree. The tree is evaluated in Python (subscriptions,
and queries SQL cannot answer exactly) and translated into SQL for PostgreSQL (JSONB
operators) or SQLite (JSON1 functions) so that filtering, ``limit``/``offset`` and
``count`` happen in the database. A term SQL cannot express exactly (a path through a
metadata member, a name with quotes) makes the whole query fall back to the Python
evaluator. Array values match when one element does, in both forms.

Grammar accepted (AND ``;`` binds tighter than OR ``|``; parentheses group)::

    term   := path | path op value
    op     := == | != | > | >= | < | <= | ~= | !~= | =~
    path   := name ('.' name)* ('[' key ('.' key)* ']')*
    value  := number | "string" | true | false | dateTime | date | time | URI
            | value ',' value ... (list, for == and !=) | value '..' value (range)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

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
            v = v.get(key) if isinstance(v, dict) else None
        if v is not None:
            values.append(v)
    return values


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


# ---------------------------------------------------------------- translation to SQL


class SqlTranslator:
    """Translate a parsed q into a SQL boolean fragment over the ``data`` JSON column.

    ``translate`` returns None when a term has no exact SQL form here; the caller then
    filters in Python. Every value goes through bind parameters (``self.params``).
    """

    def __init__(self, dialect: str, ctx: ActiveContext, column: str = "data") -> None:
        self.pg = dialect == "postgresql"
        self.ctx = ctx
        self.column = column
        self.params: dict[str, Any] = {}

    def _bind(self, value: Any) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def translate(self, node: Node) -> str | None:
        if isinstance(node, Bool):
            parts = [self.translate(n) for n in node.items]
            if any(p is None for p in parts):
                return None
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join(p for p in parts if p) + ")"
        return self._term(node)

    def _names(self, path: Path) -> list[str] | None:
        names = [self.ctx.expand(path.attr)]
        for s in path.sub:
            names.append(s if s in ATTRIBUTE_KEYWORDS else self.ctx.expand(s))
        if any('"' in n or "\\" in n for n in [*names, *path.compound]):
            return None
        return names

    def _term(self, term: Term) -> str | None:
        names = self._names(term.path)
        if names is None:
            return None
        if any(s in ATTRIBUTE_KEYWORDS for s in term.path.sub[:-1]):
            return None
        keyword_leaf = bool(term.path.sub) and term.path.sub[-1] in ATTRIBUTE_KEYWORDS
        return self._pg(term, names, keyword_leaf) if self.pg else self._sqlite(term, names, keyword_leaf)

    # PostgreSQL: JSONB operators; values compared as jsonb so numbers compare numerically.
    def _pg(self, term: Term, names: list[str], keyword_leaf: bool) -> str | None:
        node = self.column + "".join(f" -> {self._bind(n)}" for n in (names[:-1] if keyword_leaf else names))
        if keyword_leaf:
            target = f"({node} -> {self._bind(names[-1])})"
        else:
            target = f"COALESCE({node} -> 'value', {node} -> 'object')"
        for key in term.path.compound:
            target = f"({target} -> {self._bind(key)})"
        if term.op is None:
            return f"({target if (keyword_leaf or term.path.compound) else node}) IS NOT NULL"
        op, value = term.op, term.value

        def any_element(cmp: Any) -> str:
            # An array value matches when one of its elements does (as in the Python evaluator).
            elems = f"EXISTS (SELECT 1 FROM jsonb_array_elements({target}) AS el(x) WHERE {cmp('el.x')})"  # noqa: S608
            return f"(CASE WHEN jsonb_typeof({target}) = 'array' THEN {elems} ELSE {cmp(target)} END)"

        if op in ("~=", "!~="):
            pattern = self._bind(value.pattern)
            match = any_element(lambda t: f"(jsonb_typeof({t}) = 'string' AND ({t} #>> '{{}}') ~ {pattern})")
            return match if op == "~=" else f"({target} IS NOT NULL AND NOT {match})"
        if op in ("==", "!="):
            eq = self._pg_eq(target, value)
            if eq is None:
                return None
            if op == "==" and not term.path.sub and not term.path.compound and not isinstance(value, Range):
                # A necessary condition the GIN (jsonb_path_ops) index can answer: the attribute
                # holds the value (as value, as object, or inside an array value).
                eq = f"({self._pg_contains(names[0], value)} AND {eq})"
            return eq if op == "==" else f"({target} IS NOT NULL AND NOT {eq})"
        if not isinstance(value, bool | int | float | str):
            return None
        return any_element(lambda t: self._pg_cmp(t, op, value) or "FALSE")

    def _pg_contains(self, name: str, value: Any) -> str:
        values = value if isinstance(value, tuple) else (value,)
        docs = []
        for v in values:
            members: list[dict[str, Any]] = [{"value": v}, {"value": [v]}]
            if isinstance(v, str) and ":" in v:
                members.append({"object": v})  # only a URI can be a Relationship's object
            for member in members:
                docs.append(f"{self.column} @> CAST({self._bind(json.dumps({name: member}))} AS jsonb)")
        return "(" + " OR ".join(docs) + ")"

    def _pg_eq(self, target: str, value: Any) -> str | None:
        if isinstance(value, Range):
            lo, hi = self._pg_cmp(target, ">=", value.low), self._pg_cmp(target, "<=", value.high)
            return f"({lo} AND {hi})" if lo and hi else None
        values = value if isinstance(value, tuple) else (value,)
        parts = []
        for v in values:
            lit = self._bind(json.dumps(v))
            parts.append(
                f"({target} = CAST({lit} AS jsonb) OR (jsonb_typeof({target}) = 'array' "
                f"AND {target} @> jsonb_build_array(CAST({lit} AS jsonb))))"
            )
        return "(" + " OR ".join(parts) + ")"

    def _pg_cmp(self, target: str, op: str, value: Any) -> str | None:
        if isinstance(value, bool):
            return "FALSE"
        if isinstance(value, int | float):
            lit = self._bind(json.dumps(value))
            return f"(jsonb_typeof({target}) = 'number' AND {target} {op} CAST({lit} AS jsonb))"
        if isinstance(value, str):
            return (
                f"(jsonb_typeof({target}) = 'string' AND ({target} #>> '{{}}') COLLATE \"C\" {op} "
                f"{self._bind(value)})"
            )
        return None

    # SQLite: JSON1 paths; json_type tells numbers, text and booleans apart.
    def _sqlite(self, term: Term, names: list[str], keyword_leaf: bool) -> str | None:
        base = "$" + "".join(f'."{n}"' for n in (names[:-1] if keyword_leaf else names))
        compound = "".join(f'."{k}"' for k in term.path.compound)
        if keyword_leaf:
            paths = [f'{base}."{names[-1]}"{compound}']
        else:
            paths = [f"{base}.value{compound}", f"{base}.object{compound}"]
        if term.op is None and not (keyword_leaf or term.path.compound):
            return f"json_type({self.column}, {self._bind(base)}) IS NOT NULL"
        pnames = [self._bind(p) for p in paths]
        jtype = "COALESCE(" + ", ".join(f"json_type({self.column}, {p})" for p in pnames) + ")"
        if len(pnames) == 1:
            jtype = f"json_type({self.column}, {pnames[0]})"
        val = "COALESCE(" + ", ".join(f"json_extract({self.column}, {p})" for p in pnames) + ")"
        if len(pnames) == 1:
            val = f"json_extract({self.column}, {pnames[0]})"

        def any_element(cmp: Any) -> str:
            # An array value matches when one of its elements does (as in the Python evaluator).
            where = cmp("je.type", "je.value")
            elems = " OR ".join(
                f"EXISTS (SELECT 1 FROM json_each({self.column}, {p}) AS je WHERE {where})"  # noqa: S608
                for p in pnames
            )
            return f"(CASE WHEN {jtype} = 'array' THEN ({elems}) ELSE {cmp(jtype, val)} END)"

        if term.op in ("~=", "!~="):
            # SQLAlchemy registers REGEXP (Python re.search) on every SQLite connection.
            pattern = self._bind(term.value.pattern)
            match = any_element(lambda t, v: f"({t} = 'text' AND {v} REGEXP {pattern})")
            return match if term.op == "~=" else f"({jtype} IS NOT NULL AND NOT {match})"
        if term.op is None:
            return f"{jtype} IS NOT NULL"
        if term.op in ("==", "!="):
            eq = self._sqlite_eq(jtype, val, pnames, term.value)
            if eq is None:
                return None
            return eq if term.op == "==" else f"({jtype} IS NOT NULL AND NOT {eq})"
        op, value = term.op, term.value
        return any_element(lambda t, v: self._sqlite_cmp(t, v, op, value))

    def _sqlite_eq(self, jtype: str, val: str, pnames: list[str], value: Any) -> str | None:
        if isinstance(value, Range):
            lo = self._sqlite_cmp(jtype, val, ">=", value.low)
            hi = self._sqlite_cmp(jtype, val, "<=", value.high)
            return f"({lo} AND {hi})" if lo and hi else None
        values = value if isinstance(value, tuple) else (value,)
        parts = []
        for v in values:
            parts.append(self._sqlite_cmp(jtype, val, "=", v))
            elem = self._sqlite_cmp("je.type", "je.value", "=", v)
            arrays = " OR ".join(
                f"EXISTS (SELECT 1 FROM json_each({self.column}, {p}) AS je WHERE {elem})"  # noqa: S608
                for p in pnames
            )
            parts.append(f"({jtype} = 'array' AND ({arrays}))")
        return "(" + " OR ".join(p for p in parts if p) + ")"

    def _sqlite_cmp(self, jtype: str, val: str, op: str, value: Any) -> str:
        if isinstance(value, bool):
            if op != "=":
                return "0"
            return f"({jtype} = '{'true' if value else 'false'}')"
        if isinstance(value, int | float):
            return f"({jtype} IN ('integer', 'real') AND {val} {op} {self._bind(value)})"
        return f"({jtype} = 'text' AND {val} {op} {self._bind(str(value))})"
