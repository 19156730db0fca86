"""Point in polygon, pure Python: which neighbourhood polygons contain a point.

Coordinates are GeoJSON's (longitude, latitude) pairs in degrees, treated as a plane: fine for city-sized
polygons away from the poles and the antimeridian. A point exactly on an edge counts as inside (a resident on
the boundary street hears both neighbourhoods' alerts rather than neither).

Why not shapely: it is served for Lambda arm64, but it brings numpy (≈ 49 MB installed) and ≈ 110 ms of import
time to a cold start; an agency's few hundred polygons need neither. Tests compare this module with shapely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]  # (lon, lat)
Ring = tuple[Point, ...]  # closed: first == last


@dataclass(frozen=True)
class Polygon:
    """An outer ring and its holes."""

    outer: Ring
    holes: tuple[Ring, ...] = ()


@dataclass(frozen=True)
class BoundingBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, point: Point) -> bool:
        lon, lat = point
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat

    @classmethod
    def around(cls, polygons: Sequence[Polygon]) -> BoundingBox:
        lons = [p[0] for polygon in polygons for p in polygon.outer]
        lats = [p[1] for polygon in polygons for p in polygon.outer]
        return cls(min(lons), min(lats), max(lons), max(lats))


def _on_segment(point: Point, a: Point, b: Point) -> bool:
    (px, py), (ax, ay), (bx, by) = point, a, b
    cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    if cross != 0:
        return False
    return min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by)


def ring_position(point: Point, ring: Ring) -> int:
    """1 inside, 0 on the boundary, -1 outside (even-odd crossing test, half-open edges)."""
    px, py = point
    inside = False
    for index in range(len(ring) - 1):
        a, b = ring[index], ring[index + 1]
        if _on_segment(point, a, b):
            return 0
        (ax, ay), (bx, by) = a, b
        # Count edges that straddle the horizontal line through the point (one end strictly above), crossing
        # it to the point's right: each vertex is counted once, horizontal edges never.
        if (ay > py) != (by > py):
            x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
            if x_cross > px:
                inside = not inside
    return 1 if inside else -1


def polygon_contains(polygon: Polygon, point: Point) -> bool:
    """Inside the outer ring (boundary included) and not strictly inside a hole."""
    if ring_position(point, polygon.outer) < 0:
        return False
    return all(ring_position(point, hole) <= 0 for hole in polygon.holes)


def multipolygon_contains(polygons: Sequence[Polygon], point: Point) -> bool:
    return any(polygon_contains(polygon, point) for polygon in polygons)


def ring_area(ring: Ring) -> float:
    """Signed area (shoelace), in square degrees: > 0 counter-clockwise."""
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)) / 2.0
