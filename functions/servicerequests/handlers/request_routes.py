"""Staff routes of service requests (a Router the agent API includes; department scope as for threads).

- `GET /api/service-requests?status=&bbox=&days=&format=` (agent): the requests of the last `days` (1-90,
  default 30) the caller's departments may see, newest first, as GeoJSON (`format=geojson`, the default:
  Point features, `geometry: null` for a request with no coordinates unless `bbox` is given, which keeps
  only those inside `min_lon,min_lat,max_lon,max_lat`) or CSV (`format=csv`). Never a resident's number.
- `PUT /api/service-requests/{id}/status` (agent) `{"status", "notes"}`: open or close a request; the
  resident who reported it by text is told once per change, in their language (audited).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from inbox.dal.agency_settings import AgencyName
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.thread_replies import ThreadReplies
from inbox.models.conversations import Agent
from pydantic import BaseModel, ConfigDict, Field
from switchboard.access import department_scope
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import current_staff, requires

from servicerequests.dal.requests_table import RequestsTable
from servicerequests.logic.status_updates import FirstTexts, change_status
from servicerequests.models.requests import ServiceRequestRecord, Status

router = Router()
AGENT = [requires("agent")]
CSV_COLUMNS = (
    "service_request_id",
    "service_code",
    "service_name",
    "status",
    "status_notes",
    "requested_datetime",
    "updated_datetime",
    "address",
    "lat",
    "long",
    "department",
    "source",
    "description",
)


class RequestNotFound(LookupError):
    pass


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    notes: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class RequestRouteDependencies:
    requests: RequestsTable
    texts: FirstTexts
    audit: AuditLog
    agency_name: Callable[[], str]
    language_of: Callable[[str], str | None]


@cache
def dependencies() -> RequestRouteDependencies:
    settings = load_settings(AgentApiSettings)
    table = boto3.resource("dynamodb").Table(settings.table_name)
    consent = ConsentTable(table)
    return RequestRouteDependencies(
        requests=RequestsTable(table),
        texts=ThreadReplies(
            InboxTable(table), SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url)
        ),
        audit=AuditLog(table),
        agency_name=AgencyName(table, "Switchboard"),
        language_of=lambda address: consent.load_state(address).language,
    )


def _scope() -> frozenset[str] | None:
    return department_scope(current_staff(router), router.context.get("supervisor_scope", "all"))


def _may_see(record: ServiceRequestRecord, scope: frozenset[str] | None) -> bool:
    return scope is None or (record.department is not None and record.department in scope)


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
    except ValueError:
        raise BadQuery("bbox must be min_lon,min_lat,max_lon,max_lat") from None
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise BadQuery("bbox must be min_lon,min_lat,max_lon,max_lat within the world")
    return min_lon, min_lat, max_lon, max_lat


class BadQuery(ValueError):
    pass


def _feature(record: ServiceRequestRecord) -> dict[str, Any]:
    located = record.lat is not None and record.long is not None
    return {
        "type": "Feature",
        "id": record.service_request_id,
        "geometry": {"type": "Point", "coordinates": [record.long, record.lat]} if located else None,
        "properties": {
            "service_request_id": record.service_request_id,
            "service_code": record.service_code,
            "service_name": record.service_name,
            "status": record.status,
            "requested_datetime": record.requested_datetime,
            "address": record.address,
            "department": record.department,
            "source": record.source,
        },
    }


@router.get("/api/service-requests", middlewares=AGENT)
def get_service_requests(
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    bbox: Annotated[str | None, Query(max_length=100)] = None,
    days: Annotated[int, Query(ge=1, le=90)] = 30,
    format: Annotated[Literal["geojson", "csv"], Query()] = "geojson",  # noqa: A002 - the query's name
) -> Response[Any]:
    box = _bbox(bbox)
    scope = _scope()
    end = datetime.now(UTC)
    records = [
        record
        for record in dependencies().requests.between(end - timedelta(days=days), end, limit=5000)
        if _may_see(record, scope) and (status is None or record.status == status)
    ]
    if box is not None:
        records = [
            r
            for r in records
            if r.lat is not None
            and r.long is not None
            and box[0] <= r.long <= box[2]
            and box[1] <= r.lat <= box[3]
        ]
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            row = record.model_dump()
            writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=out.getvalue(),
            headers={"Content-Disposition": 'attachment; filename="service-requests.csv"'},
        )
    body = {"type": "FeatureCollection", "features": [_feature(record) for record in records]}
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@router.put("/api/service-requests/<request_id>/status", middlewares=AGENT)
def put_status(request_id: str, change: StatusChange) -> dict[str, Any]:
    deps = dependencies()
    record = deps.requests.get(request_id) if request_id.isdigit() and len(request_id) <= 12 else None
    if record is None or not _may_see(record, _scope()):
        raise RequestNotFound(request_id)  # another department's request: as if it did not exist
    after = change_status(
        deps.requests,
        deps.texts,
        request_id=request_id,
        status=change.status,
        notes=change.notes,
        at=utc_now_iso(),
        language_of=deps.language_of,
        agency=deps.agency_name(),
    )
    assert after is not None
    agent: Agent = router.context["agent"]
    deps.audit.record(
        Actor(sub=agent.sub, email=agent.email),
        "service_request.status",
        thread_id=after.thread_id,
        detail={"request_id": request_id, "status": change.status},
    )
    return _feature(after)


@router.exception_handler(RequestNotFound)
def request_not_found(_error: RequestNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "no such request"}
    )


@router.exception_handler(BadQuery)
def bad_query(error: BadQuery) -> Response[dict[str, str]]:
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": str(error)}
    )
