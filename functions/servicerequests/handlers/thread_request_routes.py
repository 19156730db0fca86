"""Staff make or edit a service request from a conversation (issue 21 item 2: "staff can also create or edit
one from a thread on the agent page"). A Router the agent API includes; the staff gate checks the thread's
department for the thread routes, and an edit is refused (404) outside the caller's departments, as for a
status change.

- `GET /api/threads/{thread_id}/service-requests` (thread) -> `{"requests": [StaffRequestView]}`: the requests
  linked to the conversation (made by the resident's report or by staff), newest first.
- `POST /api/threads/{thread_id}/service-requests` (thread) `{"service_code", "address", "lat", "long",
  "description", "attributes"}` -> 201 the request: linked to the thread, the resident told about later status
  changes, queued for the city like a resident's own report (audited).
- `PUT /api/service-requests/{request_id}` (agent) `{"address", "lat", "long", "description", "attributes"}`
  -> the request after the edit; attributes are checked against the service's definition (audited).

A typed place is resolved through the agency's gazetteer (the app passes it in the request context as
`locate_place`: the address points belong to the zones domain); one it does not know is kept as written.
Never a resident's number in any answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from inbox.dal.inbox_table import InboxTable
from inbox.models.conversations import Agent
from pydantic import BaseModel, ConfigDict, Field
from switchboard.access import department_scope
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.observability import logger
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import current_staff, requires

from servicerequests.dal.requests_table import CatalogueTable, RequestsTable
from servicerequests.integrations.forward_queue import SqsCityForwardQueue
from servicerequests.logic.answers import InvalidAnswers, check_answers
from servicerequests.logic.intake import Place
from servicerequests.models.requests import AttributeAnswer, ServiceRequestRecord, Status
from servicerequests.models.services import Service

router = Router()
AGENT = [requires("agent")]
_SOURCES = ("sms", "whatsapp", "webchat")


class StaffRequestDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    description: str | None = Field(default=None, max_length=4000)
    attributes: dict[str, AttributeAnswer] = Field(default_factory=dict, max_length=50)


class StaffRequestCreate(StaffRequestDetails):
    service_code: str = Field(min_length=1, max_length=64)


class StaffRequestView(BaseModel):
    service_request_id: str
    service_code: str
    service_name: str
    status: Status
    status_notes: str | None
    description: str | None
    requested_datetime: str
    updated_datetime: str | None
    address: str | None
    lat: float | None
    long: float | None
    attributes: dict[str, AttributeAnswer]
    photos: int
    department: str | None
    source: str

    @classmethod
    def of(cls, record: ServiceRequestRecord) -> StaffRequestView:
        return cls(
            **record.model_dump(
                include={
                    "service_request_id",
                    "service_code",
                    "service_name",
                    "status",
                    "status_notes",
                    "description",
                    "requested_datetime",
                    "updated_datetime",
                    "address",
                    "lat",
                    "long",
                    "attributes",
                    "department",
                    "source",
                }
            ),
            photos=len(record.media_keys),
        )


class ThreadRequests(BaseModel):
    requests: list[StaffRequestView]


class UnknownService(ValueError):
    pass


class BadAnswers(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class NoSuchThread(LookupError):
    pass


class NoSuchRequest(LookupError):
    pass


@dataclass(frozen=True)
class ThreadRequestDependencies:
    requests: RequestsTable
    catalogue: CatalogueTable
    threads: InboxTable
    audit: AuditLog
    forward: Callable[[str], None]


@cache
def dependencies() -> ThreadRequestDependencies:
    settings = load_settings(AgentApiSettings)
    table = boto3.resource("dynamodb").Table(settings.table_name)
    queue_url = settings.city_forward_queue_url
    forward: Callable[[str], None] = (
        SqsCityForwardQueue(boto3.client("sqs"), queue_url) if queue_url else (lambda _request_id: None)
    )
    return ThreadRequestDependencies(
        requests=RequestsTable(table),
        catalogue=CatalogueTable(table),
        threads=InboxTable(table),
        audit=AuditLog(table),
        forward=forward,
    )


def _actor() -> Actor:
    agent: Agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


def _place(details: StaffRequestDetails) -> Place:
    """Coordinates as given; else the typed address through the gazetteer; else the address as written."""
    address = details.address.strip() if details.address and details.address.strip() else None
    if details.lat is not None and details.long is not None:
        return Place(address=address, lat=details.lat, long=details.long, resolved=True)
    locate: Callable[[str], Place | None] | None = router.context.get("locate_place")
    found = locate(address) if address and locate else None
    if found is not None:
        return Place(address=found.address or address, lat=found.lat, long=found.long, resolved=True)
    return Place(address=address)


def _checked(
    service_code: str, attributes: dict[str, AttributeAnswer]
) -> tuple[Service, dict[str, AttributeAnswer]]:
    service = dependencies().catalogue.service(service_code)
    if service is None:
        raise UnknownService(service_code)
    try:
        return service, check_answers(service, attributes)
    except InvalidAnswers as invalid:
        raise BadAnswers(invalid.problems) from None


@router.get("/api/threads/<thread_id>/service-requests", middlewares=AGENT)
def get_thread_requests(thread_id: str) -> ThreadRequests:
    records = dependencies().requests.for_thread(thread_id)
    return ThreadRequests(requests=[StaffRequestView.of(record) for record in records])


@router.post("/api/threads/<thread_id>/service-requests", middlewares=AGENT)
def post_thread_request(thread_id: str, body: StaffRequestCreate) -> Response[dict[str, Any]]:
    deps = dependencies()
    thread = deps.threads.get_thread(thread_id)
    if thread is None:
        raise NoSuchThread(thread_id)
    service, answers = _checked(body.service_code, body.attributes)
    place = _place(body)
    resident = (thread.get("resident") or {}).get("address")
    channel = str(thread.get("channel") or "")
    request_id, at = deps.requests.next_id(), utc_now_iso()
    record = ServiceRequestRecord(
        service_request_id=request_id,
        service_code=service.service_code,
        service_name=service.service_name,
        description=(body.description or "").strip() or None,
        requested_datetime=at,
        updated_datetime=at,
        address=place.address,
        lat=place.lat,
        long=place.long,
        attributes=answers,
        department=service.department,
        source="staff",
        resident=str(resident) if resident and channel in _SOURCES else None,
        thread_id=thread_id,
    )
    deps.requests.create(record)
    deps.forward(request_id)
    deps.audit.record(
        _actor(),
        "service_request.create",
        thread_id=thread_id,
        detail={"request_id": request_id, "service_code": service.service_code},
    )
    logger.info("Service request made by staff", extra={"request_id": request_id, "thread_id": thread_id})
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=StaffRequestView.of(record).model_dump(),
    )


@router.put("/api/service-requests/<request_id>", middlewares=AGENT)
def put_request(request_id: str, body: StaffRequestDetails) -> StaffRequestView:
    deps = dependencies()
    record = deps.requests.get(request_id) if request_id.isdigit() and len(request_id) <= 12 else None
    scope = department_scope(current_staff(router), router.context.get("supervisor_scope", "all"))
    if record is None or (scope is not None and record.department not in scope):
        raise NoSuchRequest(request_id)  # another department's request: as if it did not exist
    _, answers = _checked(record.service_code, body.attributes)
    place = _place(body)
    changes: dict[str, Any] = {
        "address": place.address,
        "lat": place.lat,
        "long": place.long,
        "description": (body.description or "").strip() or None,
        "attributes": answers,
    }
    after = deps.requests.edit(request_id, changes, at=utc_now_iso())
    if after is None:
        raise NoSuchRequest(request_id)
    deps.audit.record(
        _actor(),
        "service_request.edit",
        thread_id=after.thread_id,
        detail={"request_id": request_id, "fields": ",".join(sorted(changes))},
    )
    return StaffRequestView.of(after)


def _error(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@router.exception_handler(UnknownService)
def unknown_service(_error_: UnknownService) -> Response[dict[str, Any]]:
    return _error(400, {"message": "no such service in the catalogue"})


@router.exception_handler(BadAnswers)
def bad_answers(error: BadAnswers) -> Response[dict[str, Any]]:
    return _error(400, {"message": "the answers do not fit the service", "problems": error.problems})


@router.exception_handler(NoSuchThread)
def no_such_thread(_error_: NoSuchThread) -> Response[dict[str, Any]]:
    return _error(404, {"message": "no such conversation"})


@router.exception_handler(NoSuchRequest)
def no_such_request(_error_: NoSuchRequest) -> Response[dict[str, Any]]:
    return _error(404, {"message": "no such request"})
