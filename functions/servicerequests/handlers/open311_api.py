"""The public Open311 GeoReport v2 server: `/open311/v2/...` (API Gateway payload 2.0, no staff JWT).

- `GET  discovery.{json,xml}`: the endpoint, its formats and the catalogue's changeset.
- `GET  services.{json,xml}`; `GET services/{code}.{json,xml}` (the service definition; 404 unknown).
- `GET  requests.{json,xml}` with `service_request_id` (a list: then other filters are ignored, as the spec
  says), `service_code`, `start_date`/`end_date` (at most 90 days; default the last 90), `status`.
- `POST requests.{json,xml}` (form-encoded, `api_key` required: 403 without a live one; 429 over the key's
  per-minute budget): `service_code`, a location (`lat`+`long`, `address_string` or `address_id`),
  `description`, `attribute[code]` answers checked against the definition; answers the new id and a token.
- `GET  requests/{id}.{json,xml}` (also `request/{id}`, as the spec's Swagger spells it); `tokens/{token}`.
- `GET  media/{id}/{n}?expires=&signature=`: a request's photo (the re-encoded copy), only through the signed,
  expiring link that is its `media_url` (403 otherwise, 404 when the photo is not there).
- `jurisdiction_id` is accepted and ignored (one jurisdiction per deployment).

Errors are the spec's error arrays (`[{"code": 400, "description": ...}]`). Residents' phone numbers, thread
ids and API key ids are never part of any response: requests are rendered through an allow-list of fields.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import boto3
from switchboard.clock import format_timestamp
from switchboard.observability import logger
from switchboard.settings import Open311Settings, load_settings

from servicerequests.dal.requests_table import CatalogueTable, KeysTable, RequestsTable
from servicerequests.integrations.media_link_key import media_link_key
from servicerequests.integrations.s3_photos import PhotoReader, S3PhotoReader
from servicerequests.logic import api_keys
from servicerequests.logic.answers import InvalidAnswers, check_answers
from servicerequests.logic.media_links import READ_LINK_SECONDS, MediaLinks
from servicerequests.logic.open311 import (
    DEFAULT_LIMIT,
    Open311Error,
    date_range,
    definition_view,
    request_ids,
    service_view,
    to_xml,
)
from servicerequests.models.requests import AttributeAnswer, ServiceRequestRecord, open311_view

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

PREFIX = "/open311/v2/"
MAX_BODY_BYTES = 64_000
_ROUTE = re.compile(
    r"^(?P<resource>discovery|services|requests|request|tokens)(?:/(?P<key>[A-Za-z0-9_.\-]{1,64}?))?"
    r"\.(?P<format>json|xml)$"
)
_MEDIA = re.compile(r"^media/(?P<id>[0-9]{1,12})/(?P<number>[0-9]{1,2})$")
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_.\-]{1,64})\](\[\])?$")


@dataclass(frozen=True)
class Open311Dependencies:
    catalogue: CatalogueTable
    requests: RequestsTable
    keys: KeysTable
    settings: Open311Settings
    links: Callable[[], MediaLinks]  # the key is read on the first photo link, not for every document
    photos: PhotoReader
    now: Callable[[], datetime]


@cache
def dependencies() -> Open311Dependencies:
    settings = load_settings(Open311Settings)
    table = boto3.resource("dynamodb").Table(settings.table_name)
    s3 = boto3.client("s3")
    return Open311Dependencies(
        catalogue=CatalogueTable(table),
        requests=RequestsTable(table),
        keys=KeysTable(table),
        settings=settings,
        links=lambda: MediaLinks(media_link_key(settings.media_link_secret_arn), settings.public_api_url),
        photos=S3PhotoReader(s3, settings.media_bucket),
        now=lambda: datetime.now(UTC),
    )


def _respond(status: int, fmt: str, document: Any, xml: tuple[str, str]) -> dict[str, Any]:
    if fmt == "xml":
        body, content_type = to_xml(xml[0], xml[1], document), "text/xml; charset=utf-8"
    else:
        body, content_type = json.dumps(document, ensure_ascii=False), "application/json; charset=utf-8"
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": content_type,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Allow-Origin": "*",  # public data for any civic app; POST needs a key anyway
        },
        "body": body,
    }


def _error(error: Open311Error, fmt: str) -> dict[str, Any]:
    return _respond(error.status, fmt, error.errors(), ("errors", "error"))


def _form(event: dict[str, Any]) -> dict[str, list[str]]:
    raw = event.get("body") or ""
    data = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    if len(data) > MAX_BODY_BYTES:
        raise Open311Error(400, f"the request body is over {MAX_BODY_BYTES} bytes")
    content_type = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("content-type", "")
    if data and "application/x-www-form-urlencoded" not in content_type:
        raise Open311Error(400, "POST requests.{format} takes application/x-www-form-urlencoded fields")
    try:
        return parse_qs(data.decode("utf-8"), keep_blank_values=False, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(400, "the request body is not valid form data") from None


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0].strip() if values and values[0].strip() else None


def _number(fields: dict[str, list[str]], name: str, low: float, high: float) -> float | None:
    value = _one(fields, name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not low <= number <= high:
        raise Open311Error(400, f"{name} must be between {low:g} and {high:g}")
    return number


def _request_view(deps: Open311Dependencies, record: ServiceRequestRecord) -> dict[str, Any]:
    now = int(deps.now().timestamp())
    media = (
        deps.links().link(record.service_request_id, 0, now=now, seconds=READ_LINK_SECONDS)
        if record.media_keys
        else None
    )
    return open311_view(record, agency=deps.settings.agency_name, media_url=media)


def _photo(deps: Open311Dependencies, request_id: str, number: int, query: dict[str, str]) -> dict[str, Any]:
    """The photo behind a signed link: nothing without a valid, unexpired signature for exactly this photo."""
    now = int(deps.now().timestamp())
    if not deps.links().valid(request_id, number, query.get("expires"), query.get("signature"), now=now):
        raise Open311Error(403, "the link is not signed for this photo or has expired")
    record = deps.requests.get(request_id)
    if record is None or number >= len(record.media_keys):
        raise Open311Error(404, "no such photo")
    photo = deps.photos.read(record.media_keys[number])
    if photo is None:
        raise Open311Error(404, "no such photo")
    data, content_type = photo
    return {
        "statusCode": 200,
        "headers": {
            "Content-Type": content_type,
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="request-{request_id}-{number}"',
            "Content-Security-Policy": "default-src 'none'",
        },
        "body": base64.b64encode(data).decode("ascii"),
        "isBase64Encoded": True,
    }


def _services(deps: Open311Dependencies, fmt: str) -> dict[str, Any]:
    views = [service_view(service) for service in deps.catalogue.services()]
    return _respond(200, fmt, views, ("services", "service"))


def _definition(deps: Open311Dependencies, code: str, fmt: str) -> dict[str, Any]:
    service = deps.catalogue.service(code)
    if service is None:
        raise Open311Error(404, f"service_code {code} not found")
    return _respond(200, fmt, definition_view(service), ("service_definition", "service_definition"))


def _list_requests(deps: Open311Dependencies, query: dict[str, str], fmt: str) -> dict[str, Any]:
    ids = request_ids(query.get("service_request_id"))
    if ids:
        records = deps.requests.get_many(ids)
    else:
        start, end = date_range(query.get("start_date"), query.get("end_date"), deps.now())
        codes = {code.strip() for code in (query.get("service_code") or "").split(",") if code.strip()}
        statuses = {s.strip() for s in (query.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both (comma-separated)")
        records = [
            record
            for record in deps.requests.between(start, end, limit=DEFAULT_LIMIT * 5)
            if (not codes or record.service_code in codes) and (not statuses or record.status in statuses)
        ][:DEFAULT_LIMIT]
    views = [_request_view(deps, record) for record in records]
    return _respond(200, fmt, views, ("service_requests", "request"))


def _one_request(deps: Open311Dependencies, request_id: str, fmt: str) -> dict[str, Any]:
    record = deps.requests.get(request_id) if request_id.isdigit() else None
    if record is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return _respond(200, fmt, [_request_view(deps, record)], ("service_requests", "request"))


def _token(deps: Open311Dependencies, token: str, fmt: str) -> dict[str, Any]:
    request_id = deps.requests.by_token(token)
    if request_id is None:
        raise Open311Error(404, f"token {token} not found")
    return _respond(
        200, fmt, [{"service_request_id": request_id, "token": token}], ("service_requests", "request")
    )


def _answers(fields: dict[str, list[str]]) -> dict[str, AttributeAnswer]:
    answers: dict[str, AttributeAnswer] = {}
    for name, values in fields.items():
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        code, many = match.groups()
        answers[code] = list(values) if many or len(values) > 1 else values[0]
    return answers


def _create(deps: Open311Dependencies, fields: dict[str, list[str]], fmt: str) -> dict[str, Any]:
    key_id = api_keys.verify(deps.keys, _one(fields, "api_key"))
    if key_id is None:
        raise Open311Error(403, "api_key is missing, unknown or revoked")
    now = deps.now()
    if not deps.keys.take(
        key_id,
        minute=now.strftime("%Y-%m-%dT%H:%M"),
        limit=deps.settings.posts_per_minute,
        expires_at=int(time.time()) + 180,
    ):
        raise Open311Error(429, f"over {deps.settings.posts_per_minute} requests a minute for this api_key")
    code = _one(fields, "service_code")
    if code is None:
        raise Open311Error(400, "service_code is required")
    service = deps.catalogue.service(code)
    if service is None:
        raise Open311Error(400, f"service_code {code} is not a service of this jurisdiction")
    lat, long = _number(fields, "lat", -90, 90), _number(fields, "long", -180, 180)
    address, address_id = _one(fields, "address_string"), _one(fields, "address_id")
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat and long go together")
    if lat is None and address is None and address_id is None:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = _one(fields, "description")
    if description and len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters")
    if address and len(address) > 500:
        raise Open311Error(400, "address_string is longer than 500 characters")
    try:
        answers = check_answers(service, _answers(fields))
    except InvalidAnswers as error:
        raise Open311Error(400, "; ".join(error.problems)) from None
    request_id, token = deps.requests.next_id(), secrets.token_hex(12)
    record = ServiceRequestRecord(
        service_request_id=request_id,
        service_code=service.service_code,
        service_name=service.service_name,
        description=description,
        requested_datetime=format_timestamp(now),
        updated_datetime=format_timestamp(now),
        address=address,
        address_id=address_id if address_id and len(address_id) <= 64 else None,
        lat=lat,
        long=long,
        attributes=answers,
        department=service.department,
        source="open311",
        token=token,
        api_key_id=key_id,
    )
    deps.requests.create(record)
    logger.info("Open311 request created", extra={"service_code": service.service_code, "key_id": key_id})
    return _respond(
        200, fmt, [{"service_request_id": request_id, "token": token}], ("service_requests", "request")
    )


def _discovery(deps: Open311Dependencies, fmt: str) -> dict[str, Any]:
    base = f"{deps.settings.public_api_url}{PREFIX.rstrip('/')}"
    document = {
        "changeset": format_timestamp(deps.now())[:19] + "Z",
        "contact": deps.settings.agency_name,
        "key_service": "Ask the agency's administrators for an api_key (Switchboard: Service requests).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-12-07T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(200, fmt, document, ("discovery", "discovery"))


def route(deps: Open311Dependencies, event: dict[str, Any]) -> dict[str, Any]:
    method = str(event.get("requestContext", {}).get("http", {}).get("method", "GET")).upper()
    path = str(event.get("rawPath") or "")
    photo = _MEDIA.match(path.removeprefix(PREFIX)) if path.startswith(PREFIX) else None
    if photo is not None and method == "GET":
        query = {k: v for k, v in (event.get("queryStringParameters") or {}).items() if isinstance(v, str)}
        try:
            return _photo(deps, photo["id"], int(photo["number"]), query)
        except Open311Error as error:
            logger.info("Open311 photo refused", extra={"status": error.status})
            return _error(error, "json")
    match = _ROUTE.match(path.removeprefix(PREFIX)) if path.startswith(PREFIX) else None
    fmt = match["format"] if match else "json"
    try:
        if match is None:
            raise Open311Error(404, "no such Open311 resource: see discovery.json")
        resource, key = match["resource"], match["key"]
        query = {k: v for k, v in (event.get("queryStringParameters") or {}).items() if isinstance(v, str)}
        if method == "POST" and resource == "requests" and key is None:
            return _create(deps, _form(event), fmt)
        if method != "GET":
            raise Open311Error(400, f"{method} is not supported here")
        if resource == "discovery" and key is None:
            return _discovery(deps, fmt)
        if resource == "services":
            return _definition(deps, key, fmt) if key else _services(deps, fmt)
        if resource in ("requests", "request") and key:
            return _one_request(deps, key, fmt)
        if resource == "requests":
            return _list_requests(deps, query, fmt)
        if resource == "tokens" and key:
            return _token(deps, key, fmt)
        raise Open311Error(404, "no such Open311 resource: see discovery.json")
    except Open311Error as error:
        logger.info("Open311 refused", extra={"status": error.status, "route": match and match["resource"]})
        return _error(error, fmt)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return route(dependencies(), event)
