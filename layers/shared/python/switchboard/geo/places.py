"""An address or a point resolved to the zones a resident gets alerts for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from switchboard import i18n
from switchboard.geo.addresses import AddressPoint, looks_like_address, normalize_address, parse_point
from switchboard.geo.geometry import multipolygon_contains
from switchboard.geo.zones import ZIP_PREFIX, AddressNotFound, GeoPoint, PolygonZone, zip_zone


class ZoneSource(Protocol):
    def polygon_zones(self) -> Sequence[PolygonZone]: ...

    def address_point(self, normalized_address: str) -> AddressPoint | None: ...


@dataclass(frozen=True)
class Place:
    zones: tuple[str, ...]  # "area:elm-park", "zip:94110"; polygons first, in the agency's order
    names: tuple[str, ...]  # the polygons' names, for replies ("Elm Park, Mission")


def zones_containing(zones: Sequence[PolygonZone], point: GeoPoint) -> list[PolygonZone]:
    """Every polygon zone containing `point` (bounding boxes first: most are rejected by four compares)."""
    where = point.lon_lat
    return [
        zone for zone in zones if zone.bbox.contains(where) and multipolygon_contains(zone.polygons, where)
    ]


def place_of_point(source: ZoneSource, point: GeoPoint, zip_code: str | None = None) -> Place:
    found = zones_containing(source.polygon_zones(), point)
    zones = [zone.zone for zone in found]
    if zip_code:
        zones.append(zip_zone(zip_code))
    return Place(zones=tuple(zones), names=tuple(zone.name for zone in found))


def place_of_address(source: ZoneSource, address: str) -> Place:
    """AddressNotFound if the agency's address points do not hold it."""
    normalized = normalize_address(address)
    point = source.address_point(normalized) if normalized else None
    if point is None:
        raise AddressNotFound("address not in the agency's address points")
    return place_of_point(source, GeoPoint(lat=point.lat, lon=point.lon), point.zip_code)


def place_of_text(source: ZoneSource, text: str) -> Place | None:
    """A resident's reply read as a point ("37.76, -122.41") or a street address; None when it is neither.
    AddressNotFound when it reads like an address the agency's address points do not hold."""
    point = parse_point(text)
    if point is not None:
        return place_of_point(source, GeoPoint(lat=point[0], lon=point[1]))
    if looks_like_address(text):
        return place_of_address(source, text)
    return None


def describe_zones(zones: Sequence[str], names: Sequence[str] = (), lang: str | None = None) -> str:
    """How a reply names where the resident gets alerts for, in their language: "ZIP 94110", "Elm Park,
    Mission", "your area"."""
    if names:
        return ", ".join(names[:3])
    zips = [zone.removeprefix(ZIP_PREFIX) for zone in zones if zone.startswith(ZIP_PREFIX)]
    if zips and len(zips) == len(zones):
        return i18n.say("places.zip", lang, zips=", ".join(zips))
    return i18n.say("places.your_area", lang)
