"""The pieces without a database: @context handling, the query language, geometry, representations."""

import pytest

from tenohira.citydata import entities as ent
from tenohira.citydata import geo
from tenohira.citydata.errors import NgsiError
from tenohira.citydata.jsonld import (
    CORE_CONTEXT_URL,
    DEFAULT_VOCAB,
    build_context,
    core_context,
    core_version_of,
    parse_link_header,
)
from tenohira.citydata.query import Range, evaluate, parse_q
from tenohira.citydata.subscriptions import parse_geo

NGSI = "https://uri.etsi.org/ngsi-ld/"


def test_core_context_resolves_locally_for_every_published_url() -> None:
    for url in (
        CORE_CONTEXT_URL,
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
        "http://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.3.jsonld",
    ):
        assert core_version_of(url) is not None
    assert core_version_of("https://example.org/context.jsonld") is None
    ctx = core_context()
    assert ctx.expand("location") == NGSI + "location"
    assert ctx.expand("observedAt") == NGSI + "observedAt"
    assert ctx.expand("speed") == DEFAULT_VOCAB + "speed"
    assert ctx.compact(DEFAULT_VOCAB + "speed") == "speed"
    assert ctx.compact(NGSI + "location") == "location"
    assert ctx.expand("urn:x:y") == "urn:x:y"


def test_user_context_expands_and_compacts_but_core_terms_are_protected() -> None:
    ctx = build_context(
        {
            "schema": "https://schema.org/",
            "brand": "schema:brand",
            "Car": "https://example.org/Car",
            "location": "https://evil/location",
        }
    )
    assert ctx.expand("brand") == "https://schema.org/brand"
    assert ctx.expand("Car") == "https://example.org/Car"
    assert ctx.compact("https://schema.org/brand") == "brand"
    assert ctx.compact("https://schema.org/color") == "schema:color"
    assert ctx.expand("location") == NGSI + "location"  # the core context wins
    assert ctx.expand("other") == DEFAULT_VOCAB + "other"


def test_remote_contexts_are_never_fetched() -> None:
    with pytest.raises(NgsiError) as err:
        build_context("https://example.org/ctx.jsonld")
    assert err.value.error == "LdContextNotAvailable" and err.value.status == 503
    hosted = {"abc": {"@context": {"temp": "https://example.org/temp"}}}
    ctx = build_context("http://anyhost/ngsi-ld/v1/jsonldContexts/abc", hosted=hosted.get)
    assert ctx.expand("temp") == "https://example.org/temp"


def test_link_header_parsing() -> None:
    assert parse_link_header(None) is None
    value = '<https://a/b.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    assert parse_link_header(value) == "https://a/b.jsonld"
    assert parse_link_header('<https://a/x>; rel="next"') is None
    with pytest.raises(NgsiError):
        parse_link_header(value + ", " + value)
    with pytest.raises(NgsiError):
        parse_link_header("garbage; rel=x")


def _attrs(**kw: object) -> dict[str, object]:
    ctx = core_context()
    return ent.expand_attributes(kw, ctx, "2026-01-01T00:00:00.000Z")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("speed>50", True),
        ("speed>=60", True),
        ("speed<60", False),
        ("speed<=60", True),
        ("speed==60", True),
        ("speed!=60", False),
        ("speed==50..70", True),
        ("speed==70..80", False),
        ("speed==1,2,60", True),
        ('brand=="Mercedes"', True),
        ('brand!="Mercedes"', False),
        ('brand~="^Mer"', True),
        ('brand!~="^Vol"', True),
        ("brand", True),
        ("missing", False),
        ("missing!=3", False),
        ("owner==urn:ngsi-ld:Person:1", True),
        ("speed>50;brand", True),
        ("speed>70|brand", True),
        ("(speed>70|speed<10);brand", False),
        ("speed.accuracy<1", True),
        ("speed.observedAt>=2026-01-01T00:00:00Z", True),
        ('address[city]=="Tenohira"', True),
        ("address[geo.lat]>36", True),
        ('tags=="b"', True),
        ("active==true", True),
        ("active==false", False),
        ('speed>"abc"', False),
    ],
)
def test_query_language(q: str, expected: bool) -> None:
    attrs = _attrs(
        speed={"type": "Property", "value": 60, "observedAt": "2026-02-01T00:00:00Z", "accuracy": 0.5},
        brand={"type": "Property", "value": "Mercedes"},
        owner={"type": "Relationship", "object": "urn:ngsi-ld:Person:1"},
        address={"type": "Property", "value": {"city": "Tenohira", "geo": {"lat": 36.1}}},
        tags={"type": "Property", "value": ["a", "b"]},
        active=True,
    )
    assert evaluate(parse_q(q), attrs, core_context()) is expected


@pytest.mark.parametrize(
    "bad", ["a>>>4;c<<<5", "", "(a==1", "a==1)", "a==", 'a=="x', "a>b c", "a[b==1", 'a~="("']
)
def test_invalid_queries_are_bad_request(bad: str) -> None:
    with pytest.raises(NgsiError) as err:
        parse_q(bad)
    assert err.value.status == 400


def test_query_values_are_typed() -> None:
    term = parse_q("a==1..5.5")
    assert term.value == Range(1, 5.5)  # type: ignore[union-attr]
    assert parse_q('a=="1"').value == "1"  # type: ignore[union-attr]
    assert parse_q("a==2026-01-01").value == "2026-01-01"  # type: ignore[union-attr]


def test_geometry_predicates() -> None:
    square = geo.parse_geometry("Polygon", [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]])
    inside = geo.parse_geometry("Point", [5, 5])
    outside = geo.parse_geometry("Point", [15, 5])
    crossing = geo.parse_geometry("LineString", [[-5, 5], [5, 5]])
    assert geo.within(inside, square) and not geo.within(outside, square)
    assert geo.intersects(crossing, square) and not geo.within(crossing, square)
    assert not geo.intersects(outside, square)
    assert geo.within(square, square) and geo.equals(square, square)
    holed = geo.parse_geometry(
        "Polygon", [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]
    )
    assert not geo.within(inside, holed)
    # 1 degree of latitude is about 111.2 km
    assert abs(geo.haversine_m((138.0, 36.0), (138.0, 37.0)) - 111_195) < 100
    with pytest.raises(geo.GeometryError):
        geo.parse_geometry("Polygon", [[[0, 0], [1, 0], [1, 1]]])
    with pytest.raises(geo.GeometryError):
        geo.parse_geometry("Point", [200, 0])


def test_geo_query_parameters() -> None:
    ctx = core_context()
    near = parse_geo("near;maxDistance==2000", "Point", "[138.05,36.10]", None, ctx)
    assert near.matches({"type": "Point", "coordinates": [138.06, 36.10]})  # ~900 m
    assert not near.matches({"type": "Point", "coordinates": [138.08, 36.10]})  # ~2.7 km
    far = parse_geo("near;minDistance==2000", "Point", "[138.05,36.10]", None, ctx)
    assert far.matches({"type": "Point", "coordinates": [138.08, 36.10]})
    for args in (
        ("invalid", "Point", "[1,2]"),
        ("near;maxDistance==10", "xxxxx", "[1,2]"),
        ("near;maxDistance==10", "Point", "[1]"),
        ("near", "Point", "[1,2]"),
        ("within", "Polygon", "not json"),
    ):
        with pytest.raises(NgsiError):
            parse_geo(*args, None, ctx)


def test_entity_validation_and_representations() -> None:
    ctx = core_context()
    now = "2026-01-01T00:00:00.000Z"
    with pytest.raises(NgsiError):
        ent.parse_entity({"id": "abcdef", "type": "T"}, ctx, now)
    with pytest.raises(NgsiError):
        ent.parse_entity({"id": "urn:a:1", "type": "T", "P1": {"type": "abcdef", "value": 34}}, ctx, now)
    with pytest.raises(NgsiError):
        ent.parse_entity({"id": "urn:a:1"}, ctx, now)
    with pytest.raises(NgsiError):
        ent.parse_entity(
            {"id": "urn:a:1", "type": "T", "R": {"type": "Relationship", "object": "x y"}}, ctx, now
        )
    with pytest.raises(NgsiError):
        ent.parse_entity(
            {"id": "urn:a:1", "type": "T", "P": {"type": "Property", "value": 1, "observedAt": "yesterday"}},
            ctx,
            now,
        )
    # concise input is accepted and normalized
    p = ent.parse_entity(
        {
            "id": "urn:a:1",
            "type": "T",
            "speed": 5,
            "owner": {"object": "urn:b:1"},
            "location": {"type": "Point", "coordinates": [1, 2]},
        },
        ctx,
        now,
    )
    speed = p.attrs[DEFAULT_VOCAB + "speed"]
    assert speed["type"] == "Property" and speed["value"] == 5
    assert p.attrs[DEFAULT_VOCAB + "owner"]["type"] == "Relationship"
    assert p.attrs[NGSI + "location"]["type"] == "GeoProperty"
    normalized = ent.render_entity(p.id, p.types, p.attrs, ctx, ent.RenderOptions())
    assert normalized["speed"] == {"type": "Property", "value": 5}
    kv = ent.render_entity(p.id, p.types, p.attrs, ctx, ent.RenderOptions(fmt="keyValues"))
    assert kv == {
        "id": "urn:a:1",
        "type": "T",
        "speed": 5,
        "owner": "urn:b:1",
        "location": {"type": "Point", "coordinates": [1, 2]},
    }
    concise = ent.render_entity(p.id, p.types, p.attrs, ctx, ent.RenderOptions(fmt="concise"))
    assert concise["speed"] == 5 and concise["owner"] == {"object": "urn:b:1"}
    sys = ent.render_entity(p.id, p.types, p.attrs, ctx, ent.RenderOptions(sys_attrs=True))
    assert sys["speed"]["createdAt"] == now
