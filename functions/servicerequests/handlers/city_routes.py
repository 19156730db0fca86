"""Staff routes of the Open311 client (a Router the agent API includes): where new requests go.

- `GET /api/open311/city` (admin) -> `{"links": [...]}`: each link's target (a service code, or `_all` for
  every service without its own), endpoint and jurisdiction; never the API key.
- `PUT /api/open311/city/{target}` (admin) `{"endpoint", "api_key", "jurisdiction_id"?}` -> the link (without
  the key). The endpoint must be https (plain http only to this machine: the local city).
- `DELETE /api/open311/city/{target}` (admin) -> 204 / 404. Requests already at that city are no
  longer polled.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from inbox.models.conversations import Agent
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires

from servicerequests.dal.city_table import CityTable
from servicerequests.models.city import CityLink, CityLinkList, CityLinkRequest, CityLinkView, link_target_ok

router = Router()
ADMIN = [requires("admin")]


class CityLinkNotFound(LookupError):
    pass


@dataclass(frozen=True)
class CityRouteDependencies:
    city: CityTable
    audit: AuditLog


@cache
def dependencies() -> CityRouteDependencies:
    table = boto3.resource("dynamodb").Table(load_settings(AgentApiSettings).table_name)
    return CityRouteDependencies(city=CityTable(table), audit=AuditLog(table))


def _actor() -> Actor:
    agent: Agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


def _view(link: CityLink) -> CityLinkView:
    return CityLinkView.model_validate(link.model_dump(exclude={"api_key"}))


@router.get("/api/open311/city", middlewares=ADMIN)
def get_city_links() -> CityLinkList:
    links = sorted(dependencies().city.links(), key=lambda link: link.target)
    return CityLinkList(links=[_view(link) for link in links])


@router.put("/api/open311/city/<target>", middlewares=ADMIN)
def put_city_link(target: str, request: CityLinkRequest) -> CityLinkView:
    if not link_target_ok(target):
        raise CityLinkNotFound(target)
    actor = _actor()
    link = CityLink(
        target=target,
        endpoint=request.endpoint,
        api_key=request.api_key,
        jurisdiction_id=request.jurisdiction_id,
        updated_at=utc_now_iso(),
        updated_by=actor.sub,
    )
    dependencies().city.save_link(link)
    dependencies().audit.record(actor, "open311_city.save", detail={"target": target})
    return _view(link)


@router.delete("/api/open311/city/<target>", middlewares=ADMIN)
def delete_city_link(target: str) -> Response[str]:
    if not link_target_ok(target) or not dependencies().city.delete_link(target):
        raise CityLinkNotFound(target)
    dependencies().audit.record(_actor(), "open311_city.delete", detail={"target": target})
    return Response(status_code=204, content_type=content_types.TEXT_PLAIN, body="")


@router.exception_handler(CityLinkNotFound)
def city_link_not_found(_error: CityLinkNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "no such city link"}
    )
