"""An agency's GeoJSON upload read into neighbourhood zones, or a list of what is wrong with it.

Accepted: a FeatureCollection of Polygon and MultiPolygon features, each named by `properties.name` and
identified by `properties.id` (or the feature's `id`, or its name made into a slug). Problems name the feature
(number and name) and what is wrong; they never echo coordinates.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from switchboard.geo.geometry import BoundingBox, Point, Polygon, Ring, ring_area
from switchboard.geo.zones import (
    MAX_FEATURES,
    MAX_NAME_LENGTH,
    MAX_PARTS,
    MAX_SPAN_DEGREES,
    MAX_VERTICES_PER_UPLOAD,
    MAX_VERTICES_PER_ZONE,
    ZONE_ID,
    InvalidGeoJson,
    PolygonZone,
)

MAX_PROBLEMS = 20
COORDINATE_DECIMALS = 7  # ≈ 1 cm: more is noise, and it keeps the stored item small


class _Problem(ValueError):
    pass


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40].rstrip("-")


def parse_feature_collection(document: Any) -> list[PolygonZone]:
    """The zones of `document`, or InvalidGeoJson listing every problem found (up to MAX_PROBLEMS)."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InvalidGeoJson(['the upload must be a GeoJSON object with "type": "FeatureCollection"'])
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidGeoJson(['"features" must be a non-empty list'])
    if len(features) > MAX_FEATURES:
        raise InvalidGeoJson([f"at most {MAX_FEATURES} features per upload (this one has {len(features)})"])
    zones: list[PolygonZone] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        label = _label(feature, number)
        try:
            zone = _zone_of(feature)
            if zone.zone_id in seen:
                raise _Problem(f"id {zone.zone_id!r} is also used by feature {seen[zone.zone_id]}")
            seen[zone.zone_id] = number
            zones.append(zone)
        except _Problem as problem:
            problems.append(f"{label}: {problem}")
            if len(problems) >= MAX_PROBLEMS:
                problems.append("(more problems not listed)")
                break
    total = sum(zone.vertices for zone in zones)
    if not problems and total > MAX_VERTICES_PER_UPLOAD:
        problems.append(f"at most {MAX_VERTICES_PER_UPLOAD} positions per upload (this one has {total})")
    if problems:
        raise InvalidGeoJson(problems)
    return zones


def _label(feature: Any, number: int) -> str:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if isinstance(name, str) and name.strip():
        return f"feature {number} ({' '.join(name.split())[:MAX_NAME_LENGTH]})"
    return f"feature {number}"


def _zone_of(feature: Any) -> PolygonZone:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _Problem('not a GeoJSON Feature ("type": "Feature")')
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise _Problem('"properties" must be an object')
    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _Problem('needs a "name" property (the neighbourhood name staff and residents see)')
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise _Problem(f"name is longer than {MAX_NAME_LENGTH} characters")
    raw_id = properties.get("id", feature.get("id"))
    zone_id = slug(str(raw_id)) if raw_id not in (None, "") else slug(name)
    if not ZONE_ID.match(zone_id):
        raise _Problem('needs an "id" (or a name) made of letters and digits')
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        raise _Problem('needs a "geometry"')
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons: tuple[Polygon, ...] = (_polygon(coordinates, ""),)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _Problem("MultiPolygon coordinates must be a non-empty list of polygons")
        if len(coordinates) > MAX_PARTS:
            raise _Problem(f"at most {MAX_PARTS} polygons in a MultiPolygon")
        polygons = tuple(_polygon(part, f"polygon {i}, ") for i, part in enumerate(coordinates, 1))
    else:
        raise _Problem(f"geometry must be a Polygon or MultiPolygon, not {str(kind)[:20]!r}")
    bbox = BoundingBox.around(polygons)
    if bbox.max_lon - bbox.min_lon > MAX_SPAN_DEGREES or bbox.max_lat - bbox.min_lat > MAX_SPAN_DEGREES:
        raise _Problem(
            f"spans more than {MAX_SPAN_DEGREES} degrees: too large for a neighbourhood "
            "(are the positions [longitude, latitude]?)",
        )
    zone = PolygonZone(zone_id=zone_id, name=name, polygons=polygons, bbox=bbox)
    if zone.vertices > MAX_VERTICES_PER_ZONE:
        raise _Problem(f"has {zone.vertices} positions; at most {MAX_VERTICES_PER_ZONE} per zone")
    return zone


def _polygon(coordinates: Any, where: str) -> Polygon:
    if not isinstance(coordinates, list) or not coordinates:
        raise _Problem(f"{where}polygon coordinates must be a non-empty list of rings")
    if len(coordinates) > MAX_PARTS + 1:
        raise _Problem(f"{where}at most {MAX_PARTS} holes in a polygon")
    rings = [_ring(ring, f"{where}ring {i}") for i, ring in enumerate(coordinates, 1)]
    return Polygon(outer=rings[0], holes=tuple(rings[1:]))


def _ring(coordinates: Any, where: str) -> Ring:
    if not isinstance(coordinates, list):
        raise _Problem(f"{where} must be a list of positions")
    if len(coordinates) < 4:
        raise _Problem(f"{where} needs at least 4 positions (a triangle, closed)")
    ring = tuple(_position(position, where) for position in coordinates)
    if ring[0] != ring[-1]:
        raise _Problem(f"{where} is not closed: its last position must repeat its first")
    if len(set(ring)) < 3 or ring_area(ring) == 0:
        raise _Problem(f"{where} encloses no area")
    return ring


def _position(position: Any, where: str) -> Point:
    if (
        not isinstance(position, list | tuple)
        or len(position) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
    ):
        raise _Problem(f"{where} has a position that is not [longitude, latitude] numbers")
    lon, lat = float(position[0]), float(position[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _Problem(f"{where} has a position that is not a finite number")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        hint = " (GeoJSON positions are [longitude, latitude])" if -90 <= lon <= 90 else ""
        raise _Problem(f"{where} has a position outside the Earth's range{hint}")
    return (round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS))
