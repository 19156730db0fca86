"""A zone's outline as SVG path data, for the zones page to draw without map tiles (issue 16 item 7).

The polygon is projected equirectangularly around its own middle latitude (x = lon·cos(lat₀), y = -lat), so
a neighbourhood keeps its shape, then scaled into a 100-unit box. A ring over MAX_RING_POINTS is thinned by
taking every n-th position (a thumbnail cannot show more), always keeping the closing one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from switchboard.geo.geometry import Ring
from switchboard.geo.zones import PolygonZone

BOX = 100.0
MAX_RING_POINTS = 200


@dataclass(frozen=True)
class Outline:
    view_box: str  # "0 0 100 62.5": the box's width is 100, its height follows the shape
    path: str  # "M0,0L…Z M…Z": outer rings and holes (drawn with fill-rule evenodd)


def _thinned(ring: Ring) -> Ring:
    if len(ring) <= MAX_RING_POINTS:
        return ring
    step = math.ceil(len(ring) / MAX_RING_POINTS)
    return (*ring[:-1:step], ring[-1])


def outline_of(zone: PolygonZone) -> Outline:
    box = zone.bbox
    scale_x = math.cos(math.radians((box.min_lat + box.max_lat) / 2))
    width = max((box.max_lon - box.min_lon) * scale_x, 1e-9)
    height = max(box.max_lat - box.min_lat, 1e-9)
    factor = BOX / max(width, height)

    def point(lon: float, lat: float) -> str:
        x = (lon - box.min_lon) * scale_x * factor
        y = (box.max_lat - lat) * factor
        return f"{x:.1f},{y:.1f}"

    parts: list[str] = []
    for polygon in zone.polygons:
        for ring in (polygon.outer, *polygon.holes):
            points = [point(lon, lat) for lon, lat in _thinned(ring)]
            parts.append("M" + "L".join(points) + "Z")
    return Outline(view_box=f"0 0 {width * factor:.1f} {height * factor:.1f}", path=" ".join(parts))
