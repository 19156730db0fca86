"""Point in polygon (holes, multipolygons, boundaries) checked against shapely, and GeoJSON validation."""

from __future__ import annotations

import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from switchboard.geo.geometry import (
    BoundingBox,
    Polygon,
    multipolygon_contains,
    polygon_contains,
    ring_position,
)
from switchboard.geo.places import zones_containing
from switchboard.geo.zones import GeoPoint, InvalidGeoJson
from zones.logic.geojson import parse_feature_collection

SQUARE = ((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0))
HOLE = ((1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0))


def test_a_square_with_a_hole():
    donut = Polygon(outer=SQUARE, holes=(HOLE,))
    assert polygon_contains(donut, (0.5, 0.5))
    assert not polygon_contains(donut, (2.0, 2.0))  # in the hole
    assert not polygon_contains(donut, (5.0, 2.0))
    # Boundaries count as inside: the outer edge, a corner, the hole's edge.
    assert polygon_contains(donut, (4.0, 2.0))
    assert polygon_contains(donut, (0.0, 0.0))
    assert polygon_contains(donut, (1.0, 2.0))


def test_a_ray_through_a_vertex_is_counted_once():
    diamond = ((0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))
    assert ring_position((0.0, 0.0), diamond) == 1
    assert ring_position((-2.0, 0.0), diamond) == -1  # the ray passes both side vertices
    assert ring_position((1.0, 0.0), diamond) == 0


def test_a_multipolygon_contains_a_point_of_any_part():
    far = Polygon(outer=tuple((x + 10, y) for x, y in SQUARE))
    parts = (Polygon(outer=SQUARE), far)
    assert multipolygon_contains(parts, (12.0, 2.0))
    assert multipolygon_contains(parts, (2.0, 2.0))
    assert not multipolygon_contains(parts, (7.0, 2.0))


def star(center: tuple[float, float], radii: list[float], scale: float) -> tuple[tuple[float, float], ...]:
    """A simple (non-self-intersecting) polygon: vertices at increasing angles, on a 1/8 grid."""
    n = len(radii)
    points = [
        (
            round((center[0] + scale * r * math.cos(2 * math.pi * i / n)) * 8) / 8,
            round((center[1] + scale * r * math.sin(2 * math.pi * i / n)) * 8) / 8,
        )
        for i, r in enumerate(radii)
    ]
    return (*points, points[0])


grid = st.integers(min_value=-120, max_value=120).map(lambda v: v / 8)


@settings(max_examples=300)
@given(
    outer_radii=st.lists(st.floats(min_value=6, max_value=12), min_size=3, max_size=14),
    hole_radii=st.lists(st.floats(min_value=1, max_value=2.5), min_size=3, max_size=8),
    with_hole=st.booleans(),
    points=st.lists(st.tuples(grid, grid), min_size=1, max_size=30),
)
def test_point_in_polygon_agrees_with_shapely(outer_radii, hole_radii, with_hole, points):
    outer = star((0.0, 0.0), outer_radii, 1.0)
    hole = star((0.5, -0.25), hole_radii, 1.0)
    shape = shapely.Polygon(outer, [hole] if with_hole else [])
    if not shape.is_valid:
        return  # rounding to the grid made a degenerate ring: GeoJSON validation refuses those anyway
    ours = Polygon(outer=outer, holes=(hole,) if with_hole else ())
    for point in points:
        expected = shape.covers(shapely.Point(point))  # covers: the boundary counts, as in ours
        assert polygon_contains(ours, point) == expected, point


def feature(name, geometry, **properties):
    return {"type": "Feature", "properties": {"name": name, **properties}, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


ELM = [[-122.42, 37.76], [-122.41, 37.76], [-122.41, 37.77], [-122.42, 37.77], [-122.42, 37.76]]


def test_a_feature_collection_becomes_zones_with_ids_and_bounding_boxes():
    zones = parse_feature_collection(
        collection(
            feature("Elm Park", {"type": "Polygon", "coordinates": [ELM]}),
            feature(
                "Harbour",
                {"type": "MultiPolygon", "coordinates": [[ELM], [[[x + 0.05, y] for x, y in ELM]]]},
                id="HB-1",
            ),
        )
    )
    assert [(z.zone_id, z.name, z.zone, z.kind) for z in zones] == [
        ("elm-park", "Elm Park", "area:elm-park", "polygon"),
        ("hb-1", "Harbour", "area:hb-1", "polygon"),
    ]
    assert zones[1].bbox == BoundingBox(-122.42, 37.76, -122.36, 37.77)
    inside = zones_containing(zones, GeoPoint(lat=37.765, lon=-122.415))
    assert [z.zone_id for z in inside] == ["elm-park", "hb-1"]
    assert [z.zone_id for z in zones_containing(zones, GeoPoint(lat=37.765, lon=-122.365))] == ["hb-1"]
    assert zones_containing(zones, GeoPoint(lat=37.765, lon=-122.39)) == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        (collection(), "non-empty"),
        (collection(feature("", {"type": "Polygon", "coordinates": [ELM]})), 'needs a "name"'),
        (collection(feature("Elm", {"type": "Point", "coordinates": [1, 2]})), "Polygon or MultiPolygon"),
        (collection(feature("Elm", {"type": "Polygon", "coordinates": [ELM[:-1]]})), "not closed"),
        (collection(feature("Elm", {"type": "Polygon", "coordinates": [ELM[:3]]})), "at least 4 positions"),
        (
            collection(feature("Elm", {"type": "Polygon", "coordinates": [[[y, x] for x, y in ELM]]})),
            "[longitude, latitude]",
        ),
        (
            collection(
                feature("Big", {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]})
            ),
            "too large",
        ),
        (
            collection(
                feature("Flat", {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]})
            ),
            "encloses no area",
        ),
        (
            collection(
                feature("Elm", {"type": "Polygon", "coordinates": [ELM]}),
                feature("elm", {"type": "Polygon", "coordinates": [ELM]}),
            ),
            "also used by feature 1",
        ),
        (collection(feature("Elm", {"type": "Polygon", "coordinates": [[["a", 1]] * 4]})), "numbers"),
    ],
)
def test_each_problem_is_named_with_the_feature_and_without_coordinates(document, expected):
    with pytest.raises(InvalidGeoJson) as raised:
        parse_feature_collection(document)
    text = " | ".join(raised.value.problems)
    assert expected in text
    assert "122.4" not in text and "37.7" not in text


def test_problems_are_listed_for_every_bad_feature_with_its_name():
    with pytest.raises(InvalidGeoJson) as raised:
        parse_feature_collection(
            collection(
                feature("Good", {"type": "Polygon", "coordinates": [ELM]}),
                feature("Open Ring", {"type": "Polygon", "coordinates": [ELM[:-1]]}),
                feature("Dot", {"type": "Point", "coordinates": [0, 0]}),
            )
        )
    assert raised.value.problems == [
        "feature 2 (Open Ring): ring 1 is not closed: its last position must repeat its first",
        "feature 3 (Dot): geometry must be a Polygon or MultiPolygon, not 'Point'",
    ]


def test_size_limits_refuse_oversized_uploads():
    big_ring = [[-122.42 + 0.01 * math.cos(a / 1000), 37.76 + 0.01 * math.sin(a / 1000)] for a in range(6283)]
    big_ring.append(big_ring[0])
    with pytest.raises(InvalidGeoJson, match="problem") as raised:
        parse_feature_collection(collection(feature("Huge", {"type": "Polygon", "coordinates": [big_ring]})))
    assert "at most 5000 per zone" in raised.value.problems[0]
    with pytest.raises(InvalidGeoJson) as raised:
        parse_feature_collection(
            collection(*[feature(f"Z{i}", {"type": "Polygon", "coordinates": [ELM]}) for i in range(501)])
        )
    assert "at most 500 features" in raised.value.problems[0]
