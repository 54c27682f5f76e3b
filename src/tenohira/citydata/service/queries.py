"""Queries: entity queries (type, q, geo, scope, pick/omit), their plans, and type/attribute discovery."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.citydata import entities as ent
from tenohira.citydata import pgread
from tenohira.citydata.errors import bad_request
from tenohira.citydata.geo import GeoQuery
from tenohira.citydata.jsonld import ActiveContext
from tenohira.citydata.query import (
    SQLITE_Q_FUNCTION,
    JsonPathTranslator,
    Node,
    evaluate,
    sqlite_prefilter,
    sqlite_q_key,
    sqlite_q_match,
)
from tenohira.citydata.service.common import (
    _COLUMNS,
    _T,
    _TEXT_COLUMNS,
    _TEXT_SELECT,
    DEFAULT_LIMIT,
    LOCATION_IRI,
    MULTI_TYPE,
    StoredEntity,
    _stored,
    _stored_text,
    dialect_of,
)


@dataclass
class EntityQuery:
    """A parsed GET /entities (or POST /entityOperations/query) request."""

    type_groups: list[list[str]] | None = None  # OR of ANDs, expanded
    ids: list[str] | None = None
    id_pattern: str | None = None
    q: Node | None = None
    geo: GeoQuery | None = None
    attrs: frozenset[str] | None = None  # expanded; entities must have one of them
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    count: bool = False
    scope_q: list[str] | None = None


_TYPE_TOKEN = re.compile(r"\s*([(),;|])\s*|([^(),;|]+)")


def parse_type_selection(text: str, ctx: ActiveContext) -> list[list[str]]:
    """Entity type selection (clause 4.17): ',' and '|' are OR, ';' is AND, parentheses group.

    Returned as a disjunction of conjunctions of expanded type IRIs.
    """
    tokens = [
        m.group(1) or m.group(2).strip()
        for m in _TYPE_TOKEN.finditer(text)
        if (m.group(1) or m.group(2).strip())
    ]
    pos = 0

    def or_expr() -> list[list[str]]:
        nonlocal pos
        groups = and_expr()
        while pos < len(tokens) and tokens[pos] in (",", "|"):
            pos += 1
            groups = groups + and_expr()
        return groups

    def and_expr() -> list[list[str]]:
        nonlocal pos
        groups = atom()
        while pos < len(tokens) and tokens[pos] == ";":
            pos += 1
            right = atom()
            groups = [a + b for a in groups for b in right]
        return groups

    def atom() -> list[list[str]]:
        nonlocal pos
        if pos >= len(tokens):
            raise bad_request("invalid type selection")
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            inner = or_expr()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise bad_request("unbalanced parentheses in type")
            pos += 1
            return inner
        if tok in "),;|":
            raise bad_request("invalid type selection")
        ent.check_name(tok)
        return [[ctx.expand(tok)]]

    groups = or_expr()
    if pos != len(tokens):
        raise bad_request("invalid type selection")
    return groups


class _Where:
    """Text fragments with their bind parameters, for both dialects."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"
        self.parts: list[str] = []
        self.params: dict[str, Any] = {}
        self.by_type = False

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def has_type(self, iri: str) -> str:
        p = self.bind("t", iri)
        if self.pg:
            return f"jsonb_exists(types, {p})"
        return f"EXISTS (SELECT 1 FROM json_each(types) WHERE json_each.value = {p})"  # noqa: S608

    def sql(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts) if self.parts else "TRUE"


def _has_attr_sql(w: _Where, iri: str) -> str:
    if w.pg:
        return f"jsonb_exists(data, {w.bind('a', iri)})"
    return f"json_type(data, {w.bind('a', '$.' + _json_key(iri))}) IS NOT NULL"


def _json_key(name: str) -> str:
    if '"' in name or "\\" in name:
        raise bad_request(f"unsupported character in name {name!r}")
    return f'"{name}"'


@dataclass
class QueryPlan:
    """The SQL side of an entity query: the filter, and what is left for Python to check."""

    python_q: Node | None
    dialect: str = "postgresql"
    by_type: bool = False
    where_sql: str = "TRUE"  # the filter as text with :name parameters
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> Any:
        """The filter as a SQLAlchemy clause (the engine path; the lean path uses the text)."""
        if self.where_sql == "TRUE":
            return sa.true()
        return sa.text(self.where_sql).bindparams(**self.params)

    @property
    def in_python(self) -> bool:
        return self.python_q is not None

    def paged_in_sql(self, query: EntityQuery) -> bool:
        return not (self.in_python or query.geo is not None or query.scope_q is not None)

    def driver_page(self, query: EntityQuery) -> tuple[str, list[Any]]:
        """``page_statement`` for asyncpg (PostgreSQL): ``$n`` placeholders and their values."""
        sql = f"SELECT {_TEXT_SELECT} FROM citydata_entities WHERE {self.where_sql} ORDER BY id"  # noqa: S608
        params = dict(self.params)
        if self.paged_in_sql(query):
            sql += " LIMIT :page_limit OFFSET :page_offset"
            params.update(page_limit=query.limit + 1, page_offset=query.offset)
        return pgread.numbered(sql, params)

    def driver_count(self) -> tuple[str, list[Any]]:
        return pgread.numbered(f"SELECT count(*) FROM citydata_entities WHERE {self.where_sql}", self.params)  # noqa: S608

    def page_statement(self, query: EntityQuery) -> Any:
        """The SELECT of one page (one row more than asked: it tells whether a next page exists)."""
        order: Any = _T.c.id
        if self.dialect == "sqlite" and self.by_type:
            # "+id" keeps SQLite from walking the primary key in id order through every other
            # type's rows; it then reads the type index and sorts the (few) matches.
            order = sa.text("+citydata_entities.id")
        stmt = sa.select(*_TEXT_COLUMNS).where(self.where).order_by(order)
        if not self.paged_in_sql(query):
            return stmt  # candidates; the exact filter and the paging happen in Python
        return stmt.limit(query.limit + 1).offset(query.offset)


def plan_query(query: EntityQuery, ctx: ActiveContext, dialect: str) -> QueryPlan:
    """Translate an entity query into SQL for ``dialect`` (the benchmark runs it raw too)."""
    w = _Where(dialect)
    if query.type_groups:
        alts = []
        for group in query.type_groups:
            multi = w.bind("t", MULTI_TYPE)
            if len(group) == 1:
                t = w.bind("t", group[0])
                alts.append(f"(type IN ({t}, {multi}) AND (type = {t} OR {w.has_type(group[0])}))")
            else:
                alts.append(f"(type = {multi} AND " + " AND ".join(w.has_type(t) for t in group) + ")")
        w.parts.append(" OR ".join(alts))
        w.by_type = True
    if query.ids is not None:
        w.parts.append("id IN (" + ", ".join(w.bind("i", i) for i in query.ids) + ")")
    if query.id_pattern is not None:
        try:
            re.compile(query.id_pattern)
        except re.error as exc:
            raise bad_request(f"invalid idPattern: {exc}") from exc
        op = "~" if w.pg else "REGEXP"
        w.parts.append(f"id {op} {w.bind('p', query.id_pattern)}")
    if query.attrs:
        w.parts.append(" OR ".join(_has_attr_sql(w, a) for a in sorted(query.attrs)))
    python_q: Node | None = None
    if query.q is not None and w.pg:
        path = JsonPathTranslator(ctx).translate(query.q)
        if path is None:
            python_q = query.q
        else:
            # One SQL/JSON path for the whole q: the GIN index answers its equality terms in one scan.
            w.parts.append(f"data @? CAST({w.bind('jp', path)} AS jsonpath)")
    elif query.q is not None:
        pre = sqlite_prefilter(query.q, ctx, lambda v: w.bind("n", v))
        if pre is not None:
            w.parts.append(pre)
        w.parts.append(f"{SQLITE_Q_FUNCTION}(data, {w.bind('qk', sqlite_q_key(query.q, ctx))})")
    if query.geo is not None and query.geo.geoproperty == LOCATION_IRI:
        box = query.geo.bbox()
        if box is not None:
            # Points (the common case) have min = max, so their corner must lie in the box: a
            # two-sided range the (min_lat, min_lon) index answers. Shapes with an extent are
            # few and found through the geo_extended index, then tested for overlap. On SQLite
            # "+" keeps the planner from factoring "min_lat <= y1" out of both branches into a
            # one-sided scan of half the index (it reads the type's rows instead: 3-4x faster).
            x0, y0, x1, y1 = (w.bind("g", float(v)) for v in box)
            plus = "" if w.pg else "+"
            w.parts.append(
                f"(min_lat >= {y0} AND min_lat <= {y1} AND min_lon >= {x0} AND min_lon <= {x1}) OR "
                f"(geo_extended = TRUE AND {plus}min_lon <= {x1} AND max_lon >= {x0} "
                f"AND {plus}min_lat <= {y1} AND max_lat >= {y0})"
            )
    return QueryPlan(python_q, dialect, w.by_type, w.sql(), dict(w.params))


_SQLITE_READY: weakref.WeakSet[Any] = weakref.WeakSet()


def _install_sqlite_q(sync_conn: Any) -> None:
    """Make ``ngsild_q`` known to this SQLite connection (once per connection)."""
    adapted = sync_conn.connection.dbapi_connection
    driver = adapted.driver_connection
    if driver in _SQLITE_READY:
        return
    adapted.create_function(SQLITE_Q_FUNCTION, 2, sqlite_q_match, deterministic=True)
    _SQLITE_READY.add(driver)


async def _pg_fetch(pool: Any, statement: tuple[str, list[Any]]) -> list[Any]:
    sql, args = statement
    return list(await pgread.retrying(pool, "fetch", sql, *args))


async def _pg_fetchval(pool: Any, statement: tuple[str, list[Any]]) -> Any:
    sql, args = statement
    return await pgread.retrying(pool, "fetchval", sql, *args)


async def query_entities(
    session: AsyncSession, query: EntityQuery, ctx: ActiveContext
) -> tuple[list[StoredEntity], int | None, bool]:
    """One page of matching entities in id order, the total when ``count``, and whether more follow."""
    plan = plan_query(query, ctx, dialect_of(session))
    pool = await pgread.pool_for(session.bind) if plan.dialect == "postgresql" else None
    if plan.dialect == "sqlite" and query.q is not None:
        await (await session.connection()).run_sync(_install_sqlite_q)
    if plan.paged_in_sql(query):
        rows: list[StoredEntity] = []
        total: int | None = None
        if pool is not None:
            if query.limit > 0:
                rows = [_stored_text(r) for r in await _pg_fetch(pool, plan.driver_page(query))]
            if query.count:
                total = int(await _pg_fetchval(pool, plan.driver_count()))
        else:
            if query.limit > 0:
                rows = [_stored_text(r) for r in await session.execute(plan.page_statement(query))]
            if query.count:
                count = sa.select(sa.func.count()).select_from(_T).where(plan.where)
                total = int((await session.execute(count)).scalar_one())
        more = len(rows) > query.limit or (total is not None and total > query.offset + query.limit)
        return rows[: query.limit], total, more
    python_q = plan.python_q
    candidates = (
        await _pg_fetch(pool, plan.driver_page(query))
        if pool is not None
        else await session.execute(plan.page_statement(query))
    )
    matched: list[StoredEntity] = []
    for r in candidates:
        e = _stored_text(r)
        if python_q is not None and not evaluate(python_q, e.data, ctx):
            continue
        if query.geo is not None and not _geo_match(query.geo, e):
            continue
        if query.scope_q is not None and not _scope_match(query.scope_q, e.scope):
            continue
        matched.append(e)
    page = matched[query.offset : query.offset + query.limit] if query.limit > 0 else []
    return page, (len(matched) if query.count else None), len(matched) > query.offset + query.limit


def _geo_match(geo: GeoQuery, e: StoredEntity) -> bool:
    return any(
        i.get("type") == "GeoProperty" and geo.matches(i.get("value"))
        for i in ent.instances(e.data.get(geo.geoproperty))
    )


def _scope_match(patterns: list[str], scope: list[str] | None) -> bool:
    for pattern in patterns:
        if pattern == "/#":
            if scope:
                return True
            continue
        for s in scope or []:
            if pattern.endswith("/#") and (s == pattern[:-2] or s.startswith(pattern[:-1])):
                return True
            if s == pattern:
                return True
    return False


async def entities_by_id(session: AsyncSession, ids: list[str]) -> list[StoredEntity]:
    """The stored entities with these ids (missing ones are left out)."""
    if not ids:
        return []
    rows = await session.execute(sa.select(*_COLUMNS).where(_T.c.id.in_(ids)))
    return [_stored(r) for r in rows]


@dataclass
class Discovery:
    """What ``/types`` and ``/attributes`` report, aggregated in the database (clauses 5.7.5–5.7.10)."""

    type_counts: dict[str, int]  # entity type IRI -> entities of that type
    attr_counts: dict[str, int]  # attribute IRI -> entities having it
    attr_types: dict[tuple[str, str], set[str]]  # (entity type, attribute) -> attribute types


# Every (entity type, attribute, attribute type) present: one row per combination, made by the
# database from the JSON documents (instances of a multi-attribute each count their type).
_DISCOVERY_SQL = {
    "postgresql": (
        "SELECT t.v, a.key, COALESCE(i.x ->> 'type', 'Property') FROM citydata_entities e "
        "CROSS JOIN LATERAL jsonb_array_elements_text(e.types) AS t(v) "
        "CROSS JOIN LATERAL jsonb_each(e.data) AS a(key, value) "
        "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.value) = 'array' "
        "THEN a.value ELSE jsonb_build_array(a.value) END) AS i(x) {where} GROUP BY 1, 2, 3",
        "SELECT t.v, count(*) FROM citydata_entities e "
        "CROSS JOIN LATERAL jsonb_array_elements_text(e.types) AS t(v) {where} GROUP BY 1",
        "SELECT a.key, count(*) FROM citydata_entities e "
        "CROSS JOIN LATERAL jsonb_object_keys(e.data) AS a(key) {where} GROUP BY 1",
        ("t.v", "a.key"),
    ),
    "sqlite": (
        "SELECT t.value, a.key, COALESCE(json_extract(i.value, '$.type'), 'Property') "
        "FROM citydata_entities e, json_each(e.types) t, json_each(e.data) a, "
        "json_each(CASE WHEN a.type = 'array' THEN a.value ELSE json_array(json(a.value)) END) i "
        "{where} GROUP BY 1, 2, 3",
        "SELECT t.value, count(*) FROM citydata_entities e, json_each(e.types) t {where} GROUP BY 1",
        "SELECT a.key, count(*) FROM citydata_entities e, json_each(e.data) a {where} GROUP BY 1",
        ("t.value", "a.key"),
    ),
}


async def discovery(
    session: AsyncSession, *, entity_type: str | None = None, attribute: str | None = None
) -> Discovery:
    """Types, attributes and their counts, optionally for one entity type or one attribute."""
    combos_sql, types_sql, attrs_sql, (type_col, attr_col) = _DISCOVERY_SQL[dialect_of(session)]
    conds, params = [], {}
    if entity_type is not None:
        conds.append(f"{type_col} = :etype")
        params["etype"] = entity_type
    if attribute is not None:
        conds.append(f"{attr_col} = :attr")
        params["attr"] = attribute

    def where(allowed: tuple[str, ...]) -> str:
        usable = [c for c in conds if c.split(" ")[0] in allowed]
        return ("WHERE " + " AND ".join(usable)) if usable else ""

    async def rows(sql: str, cols: tuple[str, ...]) -> list[Any]:
        text = sql.format(where=where(cols))
        used = {k: v for k, v in params.items() if f":{k}" in text}
        return list(await session.execute(sa.text(text).bindparams(**used)))

    attr_types: dict[tuple[str, str], set[str]] = {}
    for t, a, at in await rows(combos_sql, (type_col, attr_col)):
        attr_types.setdefault((t, a), set()).add(str(at))
    if attribute is not None:
        # entities having the attribute, by type; and the attribute's own count
        type_counts = {t: 0 for (t, _a) in attr_types}
    else:
        type_counts = {t: int(n) for t, n in await rows(types_sql, (type_col,))}
    attr_counts = {a: int(n) for a, n in await rows(attrs_sql, (attr_col,))}
    return Discovery(type_counts, attr_counts, attr_types)
