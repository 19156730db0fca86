"""Staff routes of the service catalogue and the Open311 API keys (a Router the agent API includes).

- `GET /api/services` (agent) -> `{"services": [Service]}`: what residents can report, with keywords,
  department and attributes (the intake flow and the thread's "create request" use it).
- `PUT /api/services/{code}` (admin), body a Service -> the saved service; `DELETE` (admin) -> 204 / 404.
- `POST /api/services/import` (admin) `{"services": [...services.json...], "definitions": {code: definition},
  "departments": {code: department}}` -> `{"imported", "problems"}`; nothing is saved when any service is bad.
- `GET /api/open311/keys` (admin) -> `{"keys": [...]}` (never the secret); `POST` (admin) `{"name"}` ->
  the key, shown this once; `DELETE /api/open311/keys/{key_id}` (admin) -> 204 / 404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from inbox.models.conversations import Agent
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.observability import logger
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires

from servicerequests.dal.requests_table import CatalogueTable, KeysTable
from servicerequests.logic import api_keys
from servicerequests.logic.catalogue import read_catalogue
from servicerequests.models.services import SERVICE_CODE, CatalogueImport, ImportResult, Service
from servicerequests.models.views import IssuedKeyView, KeyList, KeyRequest, KeyView, ServiceList

router = Router()
AGENT = [requires("agent")]
ADMIN = [requires("admin")]


class ServiceNotFound(LookupError):
    pass


class KeyNotFound(LookupError):
    pass


@dataclass(frozen=True)
class CatalogueDependencies:
    catalogue: CatalogueTable
    keys: KeysTable
    audit: AuditLog


@cache
def dependencies() -> CatalogueDependencies:
    table = boto3.resource("dynamodb").Table(load_settings(AgentApiSettings).table_name)
    return CatalogueDependencies(
        catalogue=CatalogueTable(table), keys=KeysTable(table), audit=AuditLog(table)
    )


def _actor() -> Actor:
    agent: Agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


@router.get("/api/services", middlewares=AGENT)
def get_services() -> ServiceList:
    return ServiceList(services=dependencies().catalogue.services())


@router.put("/api/services/<code>", middlewares=ADMIN)
def put_service(code: str, service: Service) -> Service:
    if service.service_code != code:
        raise ServiceNotFound(code)  # a body for another code: answer as for an unknown path
    actor = _actor()
    dependencies().catalogue.save(service, at=utc_now_iso(), by=actor.sub)
    dependencies().audit.record(actor, "services.save", detail={"service_code": code})
    return service


@router.delete("/api/services/<code>", middlewares=ADMIN)
def delete_service(code: str) -> Response[str]:
    if not re.match(SERVICE_CODE, code) or not dependencies().catalogue.delete(code):
        raise ServiceNotFound(code)
    dependencies().audit.record(_actor(), "services.delete", detail={"service_code": code})
    return Response(status_code=204, content_type=content_types.TEXT_PLAIN, body="")


@router.post("/api/services/import", middlewares=ADMIN)
def post_import(upload: CatalogueImport) -> Response[dict[str, object]]:
    services, problems = read_catalogue(upload)
    if problems:
        logger.info("Catalogue import refused", extra={"problems": len(problems)})
        body = ImportResult(imported=0, problems=problems[:200]).model_dump()
        return Response(status_code=400, content_type=content_types.APPLICATION_JSON, body=body)
    actor, at = _actor(), utc_now_iso()
    for service in services:
        dependencies().catalogue.save(service, at=at, by=actor.sub)
    dependencies().audit.record(actor, "services.import", detail={"services": str(len(services))})
    body = ImportResult(imported=len(services), problems=[]).model_dump()
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)


@router.get("/api/open311/keys", middlewares=ADMIN)
def get_keys() -> KeyList:
    items = sorted(dependencies().keys.all(), key=lambda item: str(item["created_at"]), reverse=True)
    return KeyList(keys=[KeyView.model_validate(item) for item in items])


@router.post("/api/open311/keys", middlewares=ADMIN)
def post_key(request: KeyRequest) -> IssuedKeyView:
    actor, at = _actor(), utc_now_iso()
    issued = api_keys.issue(dependencies().keys, name=request.name, at=at, by=actor.sub)
    dependencies().audit.record(actor, "open311_key.issue", detail={"key_id": issued.key_id})
    return IssuedKeyView(
        key_id=issued.key_id, name=request.name, created_at=at, created_by=actor.sub, api_key=issued.api_key
    )


@router.delete("/api/open311/keys/<key_id>", middlewares=ADMIN)
def delete_key(key_id: str) -> Response[str]:
    if not key_id.isalnum() or not dependencies().keys.revoke(key_id, at=utc_now_iso()):
        raise KeyNotFound(key_id)
    dependencies().audit.record(_actor(), "open311_key.revoke", detail={"key_id": key_id})
    return Response(status_code=204, content_type=content_types.TEXT_PLAIN, body="")


@router.exception_handler(ServiceNotFound)
def service_not_found(_error: ServiceNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "no such service"}
    )


@router.exception_handler(KeyNotFound)
def key_not_found(_error: KeyNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "no such live key"}
    )
