"""The few planar/spherical geometry predicates NGSI-LD geo-queries need (GS CIM 009 clause 4.10).

No GIS library is assumed. Predicates work on GeoJSON coordinates in (longitude, latitude)
treated as a plane, which is accurate for city-sized shapes; distances for ``near`` use the
haversine formula on a sphere of the WGS 84 mean radius.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

EARTH_RADIUS_M = 6_371_008.8
GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
GEORELS = ("near", "within", "contains", "intersects", "disjoint", "equals", "overlaps")

Pt = tuple[float, float]


class GeometryError(ValueError):
    """Coordinates that do not make the declared GeoJSON geometry."""


@dataclass
class Shape:
    """A geometry broken into points, line strings and polygons (rings; first = outer)."""

    points: list[Pt] = field(default_factory=list)
    lines: list[list[Pt]] = field(default_factory=list)
    polygons: list[list[list[Pt]]] = field(default_factory=list)

    def vertices(self) -> list[Pt]:
        out = list(self.points)
        for line in self.lines:
            out.extend(line)
        for poly in self.polygons:
            for ring in poly:
                out.extend(ring)
        return out

    def segments(self) -> list[tuple[Pt, Pt]]:
        segs: list[tuple[Pt, Pt]] = []
        for line in self.lines:
            segs.extend(itertools.pairwise(line))
        for poly in self.polygons:
            for ring in poly:
                segs.extend(itertools.pairwise(ring))
        return segs

    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat)."""
        vs = self.vertices()
        xs = [p[0] for p in vs]
        ys = [p[1] for p in vs]
        return min(xs), min(ys), max(xs), max(ys)


def _pt(c: Any) -> Pt:
    if (
        not isinstance(c, list | tuple)
        or len(c) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in c)
    ):
        raise GeometryError("a position is an array of two or three numbers")
    lon, lat = float(c[0]), float(c[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError("longitude must be within ±180 and latitude within ±90")
    return lon, lat


def _line(c: Any, min_len: int = 2) -> list[Pt]:
    if not isinstance(c, list) or len(c) < min_len:
        raise GeometryError(f"a line needs at least {min_len} positions")
    return [_pt(p) for p in c]


def _polygon(c: Any) -> list[list[Pt]]:
    if not isinstance(c, list) or not c:
        raise GeometryError("a polygon is an array of linear rings")
    rings = [_line(r, 4) for r in c]
    for r in rings:
        if r[0] != r[-1]:
            raise GeometryError("a linear ring must be closed (first position = last)")
    return rings


def parse_geometry(geometry_type: str, coordinates: Any) -> Shape:
    """Validate GeoJSON coordinates for ``geometry_type`` and return the shape."""
    s = Shape()
    if geometry_type == "Point":
        s.points.append(_pt(coordinates))
    elif geometry_type == "MultiPoint":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError("a MultiPoint needs positions")
        s.points.extend(_pt(p) for p in coordinates)
    elif geometry_type == "LineString":
        s.lines.append(_line(coordinates))
    elif geometry_type == "MultiLineString":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError("a MultiLineString needs lines")
        s.lines.extend(_line(x) for x in coordinates)
    elif geometry_type == "Polygon":
        s.polygons.append(_polygon(coordinates))
    elif geometry_type == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise GeometryError("a MultiPolygon needs polygons")
        s.polygons.extend(_polygon(x) for x in coordinates)
    else:
        raise GeometryError(f"unknown geometry type {geometry_type!r}")
    return s


def shape_of(value: Any) -> Shape:
    """The shape of a GeoJSON geometry object (a GeoProperty value)."""
    if not isinstance(value, dict) or "type" not in value or "coordinates" not in value:
        raise GeometryError("a GeoJSON geometry has 'type' and 'coordinates'")
    return parse_geometry(str(value["type"]), value["coordinates"])


def haversine_m(a: Pt, b: Pt) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _point_in_ring(p: Pt, ring: list[Pt]) -> bool:
    x, y = p
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y):
            xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xi:
                inside = not inside
    return inside


def _on_segment(p: Pt, a: Pt, b: Pt, eps: float = 1e-12) -> bool:
    cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
    if abs(cross) > eps:
        return False
    return min(a[0], b[0]) - eps <= p[0] <= max(a[0], b[0]) + eps and (
        min(a[1], b[1]) - eps <= p[1] <= max(a[1], b[1]) + eps
    )


def point_in_polygon(p: Pt, poly: list[list[Pt]]) -> bool:
    """Inside the outer ring (boundary included) and not inside a hole."""
    outer = poly[0]
    if any(_on_segment(p, a, b) for a, b in itertools.pairwise(outer)):
        return True
    if not _point_in_ring(p, outer):
        return False
    return not any(_point_in_ring(p, hole) for hole in poly[1:])


def _orient(a: Pt, b: Pt, c: Pt) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def segments_intersect(p1: Pt, p2: Pt, q1: Pt, q2: Pt) -> bool:
    """Whether two closed segments share at least one point."""
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        _on_segment(p1, q1, q2)
        or _on_segment(p2, q1, q2)
        or _on_segment(q1, p1, p2)
        or _on_segment(q2, p1, p2)
    )


def _covers_point(s: Shape, p: Pt) -> bool:
    if p in s.points:
        return True
    if any(_on_segment(p, a, b) for line in s.lines for a, b in itertools.pairwise(line)):
        return True
    return any(point_in_polygon(p, poly) for poly in s.polygons)


def intersects(a: Shape, b: Shape) -> bool:
    """Whether two shapes share any point."""
    if any(_covers_point(b, p) for p in a.vertices()):
        return True
    if any(_covers_point(a, p) for p in b.vertices()):
        return True
    segs_b = b.segments()
    return any(segments_intersect(p1, p2, q1, q2) for p1, p2 in a.segments() for q1, q2 in segs_b)


def within(a: Shape, b: Shape) -> bool:
    """Whether every part of ``a`` lies in ``b`` (vertices covered and no edge leaving ``b``)."""
    if not all(_covers_point(b, p) for p in a.vertices()):
        return False
    if not b.polygons:
        return True
    for p1, p2 in a.segments():
        mid = ((p1[0] + p2[0]) / 2, (p1[1] + p2[1]) / 2)
        if not _covers_point(b, mid):
            return False
    return True


def equals(a: Shape, b: Shape) -> bool:
    """Same set of vertices (order of rings and points aside)."""
    return sorted(set(a.vertices())) == sorted(set(b.vertices()))


def min_distance_m(a: Shape, p: Pt) -> float:
    """Distance in metres from the point ``p`` to the shape (0 when inside a polygon)."""
    if any(point_in_polygon(p, poly) for poly in a.polygons):
        return 0.0
    best = min(haversine_m(v, p) for v in a.vertices())
    for s1, s2 in a.segments():
        best = min(best, _segment_distance_m(p, s1, s2))
    return best


def _segment_distance_m(p: Pt, a: Pt, b: Pt) -> float:
    # Project in a local equirectangular plane around p: fine at city scale.
    k = math.cos(math.radians(p[1]))
    ax, ay = (a[0] - p[0]) * k, a[1] - p[1]
    bx, by = (b[0] - p[0]) * k, b[1] - p[1]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    cx, cy = ax + t * dx, ay + t * dy
    return haversine_m(p, (p[0] + cx / k if k else p[0], p[1] + cy))


@dataclass(frozen=True)
class GeoQuery:
    """A parsed geo-query: relation, its distance modifier, the reference shape and property."""

    georel: str
    shape: Shape
    geometry: str
    geoproperty: str  # expanded IRI of the GeoProperty
    max_distance: float | None = None
    min_distance: float | None = None

    def matches(self, value: Any) -> bool:
        """Whether the entity's GeoProperty value satisfies the query."""
        try:
            target = shape_of(value)
        except GeometryError:
            return False
        q = self.shape
        if self.georel == "near":
            d = min_distance_m(target, q.points[0])
            if self.max_distance is not None and d > self.max_distance:
                return False
            return not (self.min_distance is not None and d < self.min_distance)
        if self.georel == "within":
            return within(target, q)
        if self.georel == "contains":
            return within(q, target)
        if self.georel == "intersects":
            return intersects(target, q)
        if self.georel == "disjoint":
            return not intersects(target, q)
        if self.georel == "equals":
            return equals(target, q)
        if self.georel == "overlaps":
            return intersects(target, q) and not within(target, q) and not within(q, target)
        return False

    def bbox(self) -> tuple[float, float, float, float] | None:
        """A box the matching entities' boxes must overlap, or None when no box bounds them."""
        if self.georel == "disjoint" or (self.georel == "near" and self.max_distance is None):
            return None
        min_lon, min_lat, max_lon, max_lat = self.shape.bbox()
        if self.georel == "near" and self.max_distance is not None:
            dlat = self.max_distance / 111_000.0 * 1.01
            lat = max(abs(min_lat), abs(max_lat))
            dlon = dlat / max(math.cos(math.radians(min(lat + dlat, 89.9))), 1e-6)
            return min_lon - dlon, min_lat - dlat, max_lon + dlon, max_lat + dlat
        return min_lon, min_lat, max_lon, max_lat
