"""Typed places resolved through the agency's gazetteer (the zones domain's address points), for the
domains that take a place without owning the address points: the 311 intake and staff's requests."""

from __future__ import annotations

from collections.abc import Callable

from servicerequests.logic.intake import Place
from switchboard.geo.addresses import normalize_address, parse_point
from switchboard.geo.places import ZoneSource


def gazetteer_place(source: ZoneSource) -> Callable[[str], Place | None]:
    """A typed place resolved through the agency's address points ("120 Elm Street", an intersection the
    agency loaded, or "37.76,-122.41"); None when the gazetteer does not know it."""

    def locate(text: str) -> Place | None:
        point = parse_point(text)
        if point is not None:
            return Place(address=None, lat=point[0], long=point[1], resolved=True)
        found = source.address_point(normalize_address(text))
        if found is None:
            return None
        return Place(address=text.strip()[:500], lat=found.lat, long=found.lon, resolved=True)

    return locate
