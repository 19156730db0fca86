"""Zones residents subscribe to: ZIP codes (`zip:94110`) and the agency's neighbourhoods (`area:{id}`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from switchboard.geo.geometry import BoundingBox, Polygon

ZIP_PREFIX = "zip:"
AREA_PREFIX = "area:"
ZONE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ZIP_CODE = re.compile(r"^\d{5}$")

# Upload limits (one request): a county's neighbourhoods fit with room to spare; a state's parcels do not.
MAX_FEATURES = 500
MAX_VERTICES_PER_ZONE = 5_000
MAX_VERTICES_PER_UPLOAD = 100_000
MAX_PARTS = 100  # polygons in a MultiPolygon, and holes in a polygon
# A neighbourhood wider than this (degrees, ≈ 330 km of latitude) is a mistake, usually swapped coordinates.
MAX_SPAN_DEGREES = 3.0
MAX_NAME_LENGTH = 80


def area_zone(zone_id: str) -> str:
    return f"{AREA_PREFIX}{zone_id}"


def zip_zone(zip_code: str) -> str:
    return f"{ZIP_PREFIX}{zip_code}"


@dataclass(frozen=True)
class PolygonZone:
    zone_id: str
    name: str
    polygons: tuple[Polygon, ...]
    bbox: BoundingBox
    kind: Literal["polygon"] = "polygon"

    @property
    def zone(self) -> str:
        return area_zone(self.zone_id)

    @property
    def vertices(self) -> int:
        return sum(len(p.outer) + sum(len(h) for h in p.holes) for p in self.polygons)


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float

    @property
    def lon_lat(self) -> tuple[float, float]:
        return (self.lon, self.lat)


class InvalidGeoJson(ValueError):
    """The upload is not a usable FeatureCollection; `problems` say what and where (never coordinates)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class AddressNotFound(LookupError):
    """The address is not in the agency's address points."""
