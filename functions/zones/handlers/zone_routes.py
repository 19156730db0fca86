"""Zone routes of the agent API (a Router it includes).

- `GET /api/zones` (agent) → `{"zones": [ZoneView]}`: the agency's neighbourhood polygons.
- `PUT /api/zones` (supervisor), body a GeoJSON FeatureCollection → `{"zones": [ZoneView]}`: each feature
  is saved as a zone (added, or replaced when its id exists); 400 `{"message", "problems": [...]}` names
  every bad feature and what is wrong with it.
- `POST /api/zones/upload` (supervisor), `{file_name, content_base64}`: a `.geojson` file or a `.zip` holding
  one or a shapefile → as `PUT /api/zones`; 400 `{"message"}` for a file that cannot be read (size, format,
  a damaged zip, a projected shapefile).
- `DELETE /api/zones/{zone_id}` (supervisor) → 204, 404 unknown.
- `POST /api/zones/address-points` (supervisor), body CSV `address,lat,lon[,zip]` → `{"loaded", "rejected":
  [{"row", "problem"}]}`: the agency's address points (gazetteer); uploads add up (≤ 20,000 rows, 4 MB each).
- `POST /api/zones/lookup` (agent) `{"address"}` or `{"lat", "lon"}` → `{"zones", "names"}`; 404 when the
  address is unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from inbox.models.conversations import Agent
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.geo.addresses import InvalidGazetteer, parse_gazetteer
from switchboard.geo.places import place_of_address, place_of_point
from switchboard.geo.zones import ZONE_ID, AddressNotFound, GeoPoint, InvalidGeoJson
from switchboard.observability import logger
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires

from zones.dal.zones_table import ZonesTable
from zones.logic.geojson import parse_feature_collection
from zones.logic.upload import UnreadableUpload, document_of_upload
from zones.models.views import (
    AddressPointsLoaded,
    LookupRequest,
    LookupResult,
    RejectedRow,
    ZoneList,
    ZoneUpload,
    ZoneView,
)

router = Router()
AGENT = [requires("agent")]
SUPERVISOR = [requires("supervisor")]
MAX_GEOJSON_BYTES = 6_000_000  # Lambda's synchronous payload limit; MAX_VERTICES_PER_UPLOAD binds first


class ZoneNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ZoneRouteDependencies:
    zones: ZonesTable
    audit: AuditLog


@cache
def dependencies() -> ZoneRouteDependencies:
    table = boto3.resource("dynamodb").Table(load_settings(AgentApiSettings).table_name)
    return ZoneRouteDependencies(zones=ZonesTable(table), audit=AuditLog(table))


def zones_table() -> ZonesTable:
    return dependencies().zones


def _audit() -> AuditLog:
    return dependencies().audit


def _actor() -> Actor:
    agent: Agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


def _bad_request(message: str, **extra: object) -> Response[dict[str, object]]:
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": message, **extra}
    )


@router.get("/api/zones", middlewares=AGENT)
def get_zones() -> Response[str]:
    outlines = router.current_event.get_query_string_value("outlines") == "true"
    zones = ZoneList(zones=[ZoneView.of(zone, outlines=outlines) for zone in zones_table().polygon_zones()])
    body = zones.model_dump_json(exclude_none=not outlines)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


@router.put("/api/zones", middlewares=SUPERVISOR)
def put_zones() -> Response[dict[str, object]]:
    body = router.current_event.decoded_body or ""
    if len(body) > MAX_GEOJSON_BYTES:
        return _bad_request(f"at most {MAX_GEOJSON_BYTES // 1_000_000} MB of GeoJSON per upload")
    try:
        document = json.loads(body)
    except ValueError:
        return _bad_request("the body is not JSON (GeoJSON FeatureCollection expected)")
    return _save_zones(document)


@router.post("/api/zones/upload", middlewares=SUPERVISOR)
def post_zone_upload(upload: ZoneUpload) -> Response[dict[str, object]]:
    try:
        document = document_of_upload(upload.file_name, upload.content_base64)
    except UnreadableUpload as unreadable:
        return _bad_request(str(unreadable))
    return _save_zones(document)


def _save_zones(document: object) -> Response[dict[str, object]]:
    try:
        zones = parse_feature_collection(document)
    except InvalidGeoJson as invalid:
        logger.info("GeoJSON upload refused", extra={"problems": len(invalid.problems)})
        return _bad_request("invalid GeoJSON", problems=invalid.problems)
    actor = _actor()
    zones_table().put_zones(zones, at=utc_now_iso(), by=actor.sub)
    _audit().record(actor, "zones.save", detail={"zones": ",".join(z.zone_id for z in zones)[:1000]})
    logger.info("Zones saved", extra={"zones": len(zones), "vertices": sum(z.vertices for z in zones)})
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=ZoneList(zones=[ZoneView.of(zone) for zone in zones]).model_dump(mode="json"),
    )


@router.delete("/api/zones/<zone_id>", middlewares=SUPERVISOR)
def delete_zone(zone_id: str) -> Response[str]:
    if not ZONE_ID.match(zone_id) or not zones_table().delete_zone(zone_id):
        raise ZoneNotFound(zone_id)
    _audit().record(_actor(), "zones.delete", detail={"zone_id": zone_id})
    return Response(status_code=204, content_type=content_types.TEXT_PLAIN, body="")


@router.post("/api/zones/address-points", middlewares=SUPERVISOR)
def post_address_points() -> Response[dict[str, object]]:
    try:
        upload = parse_gazetteer(router.current_event.decoded_body or "")
    except InvalidGazetteer as invalid:
        return _bad_request(str(invalid))
    loaded = zones_table().put_address_points(upload.points)
    _audit().record(
        _actor(),
        "zones.address_points",
        detail={"loaded": str(loaded), "rejected": str(len(upload.rejected))},
    )
    logger.info("Address points loaded", extra={"loaded": loaded, "rejected": len(upload.rejected)})
    result = AddressPointsLoaded(
        loaded=loaded,
        rejected=[RejectedRow(row=row, problem=problem) for row, problem in upload.rejected[:200]],
    )
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=result.model_dump())


@router.post("/api/zones/lookup", middlewares=AGENT)
def post_lookup(request: LookupRequest) -> LookupResult:
    table = zones_table()
    if request.address is not None:
        place = place_of_address(table, request.address)
    else:
        assert request.lat is not None and request.lon is not None
        place = place_of_point(table, GeoPoint(lat=request.lat, lon=request.lon))
    return LookupResult(zones=list(place.zones), names=list(place.names))


@router.exception_handler(ZoneNotFound)
def zone_not_found(_error: ZoneNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "no such zone"}
    )


@router.exception_handler(AddressNotFound)
def address_not_found(_error: AddressNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "address not found in the agency's address points"},
    )
