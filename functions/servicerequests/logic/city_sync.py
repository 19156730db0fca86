"""The Open311 client's rules: forward a new request to the city that handles its service, turn a batch
city's token into its request id, and bring the city's status changes back (each told to the resident once,
by status_updates.change_status).

What is sent to the city is the request as Open311 knows it (service, place, description, attributes):
never the resident's number, name or thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from switchboard.observability import logger

from servicerequests.dal.city_table import CityTable
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.integrations.open311_city import CityCallFailed
from servicerequests.models.city import ALL_SERVICES, CityLink
from servicerequests.models.requests import ServiceRequestRecord, Status

POLL_BATCH = 50  # request ids per GET requests.json (a URL of ~700 characters)
# A request the city closed is still asked about this long: cities reopen work orders ("not fixed"), and
# the resident is told that once, as they were told of the close.
REOPEN_WATCH = timedelta(days=30)
ForwardOutcome = Literal["created", "token", "already", "no_link", "missing"]


class CityClient(Protocol):
    def post_request(self, form: Sequence[tuple[str, str]]) -> tuple[str | None, str | None]: ...
    def token(self, token: str) -> str | None: ...
    def requests(self, request_ids: Sequence[str], jurisdiction_id: str | None) -> list[dict[str, Any]]: ...


ClientFor = Callable[[CityLink], CityClient]
ChangeStatus = Callable[[str, Status, str | None, str], object]
PhotoLink = Callable[[ServiceRequestRecord], str | None]  # the first photo's signed link, if it has one


def request_form(
    record: ServiceRequestRecord, link: CityLink, media_url: str | None = None
) -> list[tuple[str, str]]:
    """The GeoReport v2 POST requests form: location as lat/long when known, else the address; the first
    photo as `media_url` (a signed link that expires: the city fetches it, it never gets our bucket)."""
    form = [("api_key", link.api_key), ("service_code", record.service_code)]
    if link.jurisdiction_id:
        form.append(("jurisdiction_id", link.jurisdiction_id))
    if record.lat is not None and record.long is not None:
        form += [("lat", str(record.lat)), ("long", str(record.long))]
    if record.address:
        form.append(("address_string", record.address))
    if record.address_id:
        form.append(("address_id", record.address_id))
    if record.description:
        form.append(("description", record.description))
    if media_url:
        form.append(("media_url", media_url))
    for code, answer in record.attributes.items():
        if isinstance(answer, list):
            form += [(f"attribute[{code}][]", value) for value in answer]
        else:
            form.append((f"attribute[{code}]", answer))
    return form


def forward_request(
    request_id: str,
    *,
    requests: RequestsTable,
    city: CityTable,
    client_for: ClientFor,
    photo_link: PhotoLink = lambda _record: None,
) -> ForwardOutcome:
    """POSTs the request to its city, once. A CityCallFailed goes to the caller (the queue retries it).

    The links first (one Query: an agency has a few): with none, the request is not even read."""
    links = city.links()
    if not links:
        return "no_link"
    record = requests.get(request_id)
    if record is None:
        logger.warning("Forward of an unknown request dropped", extra={"request_id": request_id})
        return "missing"
    link = link_for(links, record.service_code)
    if link is None:
        return "no_link"
    if city.forwarded(request_id) is not None:
        return "already"
    city_id, token = client_for(link).post_request(request_form(record, link, photo_link(record)))
    if not city.record_answer(request_id, target=link.target, city_request_id=city_id, city_token=token):
        return "already"  # a redelivered job whose first delivery got there first
    logger.info(
        "Service request forwarded to the city",
        extra={"request_id": request_id, "target": link.target, "answer": "id" if city_id else "token"},
    )
    return "created" if city_id else "token"


def link_for(links: Sequence[CityLink], service_code: str) -> CityLink | None:
    """The service's own link, else the link for all services, else None (the request stays here)."""
    by_target = {link.target: link for link in links}
    return by_target.get(service_code) or by_target.get(ALL_SERVICES)


@dataclass
class PollResult:
    tokens_resolved: int = 0
    statuses_applied: int = 0  # city answers handed to change_status (which tells only real changes)
    closed: int = 0  # newly closed at the city this poll
    reopened: int = 0  # closed before, open again at the city
    retired: int = 0  # closed for longer than REOPEN_WATCH: no longer asked about
    failed_links: list[str] = field(default_factory=list)


def poll_city(
    *, city: CityTable, client_for: ClientFor, change: ChangeStatus, now: Callable[[], str]
) -> PollResult:
    """One pass over the requests still open at a city: tokens first, then statuses (batched per link)."""
    result = PollResult()
    by_target: dict[str, list[dict[str, Any]]] = defaultdict(list)
    watch_from = _parse(now()) - REOPEN_WATCH
    for item in city.all_forwarded():
        if item.get("closed_at") and _parse(str(item["closed_at"])) < watch_from:
            city.done(str(item["request_id"]))
            result.retired += 1
            continue
        by_target[str(item["target"])].append(item)
    for target, items in by_target.items():
        link = city.link(target)
        if link is None:
            continue  # the admin removed the link: nothing to ask
        client = client_for(link)
        try:
            _poll_link(link, client, items, city, change, now, result)
        except CityCallFailed as error:
            # The next poll asks again; one city down does not stop the others.
            result.failed_links.append(target)
            logger.warning(
                "City poll failed", extra={"target": target, "status": error.status, "reason": str(error)}
            )
    return result


def _poll_link(
    link: CityLink,
    client: CityClient,
    items: list[dict[str, Any]],
    city: CityTable,
    change: ChangeStatus,
    now: Callable[[], str],
    result: PollResult,
) -> None:
    ours: dict[str, str] = {}  # the city's id -> ours
    closed_here = {str(item["request_id"]) for item in items if item.get("closed_at")}
    for item in items:
        request_id = str(item["request_id"])
        city_id = item.get("city_request_id")
        if not city_id and item.get("city_token"):
            city_id = client.token(str(item["city_token"]))
            if city_id:
                city.set_city_id(request_id, city_id)
                result.tokens_resolved += 1
        if city_id:
            ours[str(city_id)] = request_id
    ids = list(ours)
    for start in range(0, len(ids), POLL_BATCH):
        for answer in client.requests(ids[start : start + POLL_BATCH], link.jurisdiction_id):
            ours_id = ours.get(str(answer.get("service_request_id")))
            status = answer.get("status")
            if ours_id is None or status not in ("open", "closed"):
                continue
            notes = answer.get("status_notes")
            at = str(answer.get("updated_datetime") or now())
            change(ours_id, status, str(notes)[:500] if notes else None, at)
            result.statuses_applied += 1
            if status == "closed" and ours_id not in closed_here:
                city.mark_closed(ours_id, now())
                result.closed += 1
            elif status == "open" and ours_id in closed_here:
                city.mark_reopened(ours_id)
                result.reopened += 1


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
