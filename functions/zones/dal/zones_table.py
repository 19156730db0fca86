"""Zones and address points in the one table.

- neighbourhood polygon: pk `ZONES`, sk `ZONE#{zone_id}`: `name`, `kind`, `bbox` [min_lon, min_lat, max_lon,
  max_lat], `geometry` (compact JSON: polygons of rings of [lon, lat]), `vertices`, `updated_at`, `updated_by`
- address point: pk `GAZ#{normalized address}`, sk `POINT`: `lat`, `lon`, `zip`.

Polygons are read as one Query of the `ZONES` partition and kept in memory for a minute per container: an
agency has tens to hundreds of neighbourhoods, and every lookup then costs no read. An address is one GetItem.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import query_pages
from switchboard.geo.addresses import AddressPoint
from switchboard.geo.geometry import BoundingBox, Polygon
from switchboard.geo.zones import PolygonZone

ZONES_PK = "ZONES"
ZONE_SK_PREFIX = "ZONE#"
GAZETTEER_SK = "POINT"
ZONES_TTL_S = 60.0


def zone_sk(zone_id: str) -> str:
    return f"{ZONE_SK_PREFIX}{zone_id}"


def gazetteer_pk(normalized_address: str) -> str:
    return f"GAZ#{normalized_address}"


def _geometry_json(polygons: Sequence[Polygon]) -> str:
    return json.dumps(
        [
            [list(map(list, polygon.outer)), *[list(map(list, h)) for h in polygon.holes]]
            for polygon in polygons
        ],
        separators=(",", ":"),
    )


def _zone_from_item(item: dict[str, Any]) -> PolygonZone:
    polygons = tuple(
        Polygon(
            outer=tuple((float(x), float(y)) for x, y in rings[0]),
            holes=tuple(tuple((float(x), float(y)) for x, y in ring) for ring in rings[1:]),
        )
        for rings in json.loads(str(item["geometry"]))
    )
    return PolygonZone(
        zone_id=str(item["zone_id"]),
        name=str(item["name"]),
        polygons=polygons,
        bbox=BoundingBox(*(float(v) for v in item["bbox"])),
    )


class ZonesTable:
    def __init__(self, table: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._clock = clock
        self._cached: tuple[float, tuple[PolygonZone, ...]] | None = None

    # --- polygons ----------------------------------------------------------------------------------------

    def put_zones(self, zones: Iterable[PolygonZone], *, at: str, by: str) -> None:
        with self._table.batch_writer() as batch:
            for zone in zones:
                batch.put_item(
                    Item={
                        "pk": ZONES_PK,
                        "sk": zone_sk(zone.zone_id),
                        "zone_id": zone.zone_id,
                        "name": zone.name,
                        "kind": zone.kind,
                        "bbox": [
                            Decimal(str(v))
                            for v in (
                                zone.bbox.min_lon,
                                zone.bbox.min_lat,
                                zone.bbox.max_lon,
                                zone.bbox.max_lat,
                            )
                        ],
                        "geometry": _geometry_json(zone.polygons),
                        "vertices": zone.vertices,
                        "updated_at": at,
                        "updated_by": by,
                    }
                )
        self._cached = None

    def delete_zone(self, zone_id: str) -> bool:
        response = self._table.delete_item(
            Key={"pk": ZONES_PK, "sk": zone_sk(zone_id)}, ReturnValues="ALL_OLD"
        )
        self._cached = None
        return bool(response.get("Attributes"))

    def polygon_zones(self) -> tuple[PolygonZone, ...]:
        now = self._clock()
        if self._cached is None or now - self._cached[0] > ZONES_TTL_S:
            condition = Key("pk").eq(ZONES_PK) & Key("sk").begins_with(ZONE_SK_PREFIX)
            pages = query_pages(self._table, KeyConditionExpression=condition)
            self._cached = (now, tuple(_zone_from_item(item) for page in pages for item in page["Items"]))
        return self._cached[1]

    # --- address points ------------------------------------------------------------------------------------

    def put_address_points(self, points: Iterable[AddressPoint]) -> int:
        count = 0
        with self._table.batch_writer() as batch:
            for point in points:
                item: dict[str, Any] = {
                    "pk": gazetteer_pk(point.address),
                    "sk": GAZETTEER_SK,
                    "lat": Decimal(str(point.lat)),
                    "lon": Decimal(str(point.lon)),
                }
                if point.zip_code:
                    item["zip"] = point.zip_code
                batch.put_item(Item=item)
                count += 1
        return count

    def address_point(self, normalized_address: str) -> AddressPoint | None:
        item = self._table.get_item(Key={"pk": gazetteer_pk(normalized_address), "sk": GAZETTEER_SK}).get(
            "Item"
        )
        if not item:
            return None
        return AddressPoint(
            normalized_address,
            float(item["lat"]),
            float(item["lon"]),
            str(item["zip"]) if item.get("zip") else None,
        )
