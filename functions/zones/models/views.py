"""What the zone routes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from switchboard.geo.zones import PolygonZone

from zones.logic.outline import outline_of
from zones.logic.upload import MAX_UPLOAD_BYTES

BASE64_OF_MAX_UPLOAD = -(-(MAX_UPLOAD_BYTES + 1) // 3) * 4  # one byte over still reaches the size check


class ZoneOutline(BaseModel):
    view_box: str
    path: str


class ZoneView(BaseModel):
    zone: str  # "area:elm-park": what subscriptions and alerts name
    zone_id: str
    name: str
    kind: Literal["polygon"]
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    vertices: int
    outline: ZoneOutline  # drawn on the zones page as inline SVG (no map tiles)
    # Outer rings as [[lon, lat], ...], only when asked (?outlines=true: the requests map draws them).
    outlines: list[list[tuple[float, float]]] | None = None

    @classmethod
    def of(cls, zone: PolygonZone, *, outlines: bool = False) -> ZoneView:
        box = zone.bbox
        drawn = outline_of(zone)
        return cls(
            outlines=[[(round(lon, 6), round(lat, 6)) for lon, lat in p.outer] for p in zone.polygons]
            if outlines
            else None,
            zone=zone.zone,
            zone_id=zone.zone_id,
            name=zone.name,
            kind=zone.kind,
            bbox=(box.min_lon, box.min_lat, box.max_lon, box.max_lat),
            vertices=zone.vertices,
            outline=ZoneOutline(view_box=drawn.view_box, path=drawn.path),
        )


class ZoneList(BaseModel):
    zones: list[ZoneView]


class RejectedRow(BaseModel):
    row: int
    problem: str


class AddressPointsLoaded(BaseModel):
    loaded: int
    rejected: list[RejectedRow]


class ZoneUpload(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    file_name: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=1, max_length=BASE64_OF_MAX_UPLOAD)


class LookupRequest(BaseModel):
    # An address is personal data: it travels in a body, never in a URL (access logs keep URLs).
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    address: str | None = Field(default=None, min_length=3, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _one_kind(self) -> LookupRequest:
        if (self.address is None) == (self.lat is None or self.lon is None):
            raise ValueError("give an address, or lat and lon")
        return self


class LookupResult(BaseModel):
    zones: list[str]
    names: list[str]
