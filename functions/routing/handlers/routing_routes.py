"""The agent API's presence and routing routes (a Router the agent API includes).

- `GET /api/presence` → the caller's PresenceState; `PUT /api/presence` `{"presence": "available"|"away"|
  "offline", "cap"?}` (a cap other than the current one needs supervisor).
- `GET /api/routing/rules` (supervisor) → `{"rules": [RoutingRule]}`; `PUT /api/routing/rules` (admin).
"""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools.event_handler.api_gateway import Router
from inbox.models.conversations import Agent
from switchboard.roles import Forbidden, has_role
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires

from routing.dal.routing_table import RoutingTable
from routing.logic.assignment import Routing
from routing.models.routing import PresenceRequest, PresenceState, RoutingRules

router = Router()


@cache
def routing() -> Routing:
    settings = load_settings(AgentApiSettings)
    return Routing(RoutingTable(boto3.resource("dynamodb").Table(settings.table_name)))


def _agent() -> Agent:
    agent: Agent = router.context["agent"]
    return agent


@router.get("/api/presence", middlewares=[requires("agent")])
def get_presence() -> PresenceState:
    return routing().presence_of(_agent().sub)


@router.put("/api/presence", middlewares=[requires("agent")])
def put_presence(request: PresenceRequest) -> PresenceState:
    agent = _agent()
    if request.cap is not None and not has_role(agent.groups, "supervisor"):
        raise Forbidden("setting a cap needs the supervisor role")
    return routing().set_presence(agent.sub, request.presence, request.cap)


@router.get("/api/routing/rules", middlewares=[requires("supervisor")])
def get_rules() -> RoutingRules:
    return RoutingRules.model_validate({"rules": routing().store.rules()})


@router.put("/api/routing/rules", middlewares=[requires("admin")])
def put_rules(request: RoutingRules) -> RoutingRules:
    store = routing().store
    assert isinstance(store, RoutingTable)
    store.put_rules([rule.model_dump(exclude_none=True) for rule in request.rules], routing().now())
    return request
