"""Staff routes' authorization for Powertools HTTP resolvers: the gate every staff request passes first, and a
route-level middleware per role, both asking the one rule in switchboard.access."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from switchboard.access import StaffMember, SupervisorScope, ThreadScope, authorize
from switchboard.observability import logger
from switchboard.roles import Forbidden, Role, groups_from_claims
from switchboard.settings import StaffAccessSettings, load_settings
from switchboard.table_keys import STAFF_SK, THREAD_META_SK, staff_pk, thread_pk


class NotAuthenticated(PermissionError):
    """No JWT claims: the request did not come through the authorizer."""


def jwt_claims(app: APIGatewayHttpResolver) -> dict[str, Any]:
    authorizer = app.current_event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    if not claims or not claims.get("sub"):
        raise NotAuthenticated("no JWT claims")
    return dict(claims)


def requires(role: Role) -> Any:
    """A middleware that answers 403 unless the caller the gate let in has `role` (or a higher one)."""

    def middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        decision = authorize(current_staff(app), role)
        if not decision.allowed:
            logger.info("Route refused for role", extra={"needs": role, "route": app.current_event.path})
            raise Forbidden(decision.reason)
        return next_middleware(app)

    middleware.__name__ = f"requires_{role}"
    return middleware


def answer_errors(app: APIGatewayHttpResolver, responses: Mapping[type[Exception], tuple[int, str]]) -> None:
    """One JSON answer per domain error, chosen by its type (never by its text, which may hold data)."""

    def error_response(error: Exception) -> Response[dict[str, str]]:
        status_code, message = responses[type(error)]
        return Response(
            status_code=status_code, content_type=content_types.APPLICATION_JSON, body={"message": message}
        )

    for error_type in responses:
        app.exception_handler(error_type)(error_response)


# --- the gate every staff request passes first (docs/architecture.md, "Auth") --------------------------

PROFILE_CACHE_S = 5.0  # a disable (or a re-enable) takes effect within this many seconds on a warm function
_THREAD_PATH = re.compile(r"^/api/(?:webchat/|calls/)?threads/([A-Za-z0-9_-]{1,64})(?:/|$)")


class StaffDirectory(Protocol):
    def staff_profile(self, sub: str) -> Mapping[str, Any] | None: ...

    def thread_scope(self, thread_id: str) -> ThreadScope | None: ...


class TableStaffDirectory:
    """Staff profiles and threads' department and assignee, read from the one table (two GetItems)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def staff_profile(self, sub: str) -> Mapping[str, Any] | None:
        item = self._table.get_item(
            Key={"pk": staff_pk(sub), "sk": STAFF_SK}, ProjectionExpression="departments, enabled"
        ).get("Item")
        return dict(item) if item else None

    def thread_scope(self, thread_id: str) -> ThreadScope | None:
        item = self._table.get_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            ProjectionExpression="department_id, assignee",
        ).get("Item")
        if item is None:
            return None
        department, assignee = item.get("department_id"), item.get("assignee")
        return ThreadScope(str(department) if department else None, str(assignee) if assignee else None)


def _json_refusal(status: int) -> dict[str, Any]:
    message = "not authenticated" if status == 401 else "forbidden"
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


@dataclass
class StaffGate:
    """Runs `switchboard.access.authorize` on every staff request before the resolver parses it: signed in,
    not disabled, the function's minimum role, and the thread's department scope for a route on one thread.
    A route needing more than the minimum adds `requires(role)`, which asks the same rule."""

    directory: Callable[[], StaffDirectory]
    minimum: Role | None = "agent"
    open_paths: frozenset[str] = frozenset()  # staff paths any signed-in user may call (still not disabled)
    prefix: str = "/api/"  # paths outside it are not staff routes (the web chat's public ones)
    supervisor_scope: SupervisorScope = "all"
    clock: Callable[[], float] = time.monotonic
    _profiles: dict[str, tuple[float, Mapping[str, Any] | None]] = field(default_factory=dict)

    def member(self, claims: Mapping[str, Any]) -> StaffMember | None:
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            return None
        profile = self._profile(sub)
        departments = (profile or {}).get("departments") or []
        return StaffMember(
            sub=sub,
            groups=tuple(groups_from_claims(claims)),
            departments=frozenset(str(d) for d in departments),
            disabled=profile is not None and profile.get("enabled") is False,
        )

    def _profile(self, sub: str) -> Mapping[str, Any] | None:
        now = self.clock()
        cached = self._profiles.get(sub)
        if cached is not None and now - cached[0] < PROFILE_CACHE_S:
            return cached[1]
        profile = self.directory().staff_profile(sub)
        if len(self._profiles) > 10_000:
            self._profiles.clear()
        self._profiles[sub] = (now, profile)
        return profile

    def resolve(self, app: APIGatewayHttpResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
        http = event.get("requestContext", {}).get("http", {})
        path = str(event.get("rawPath") or http.get("path") or "")
        if not path.startswith(self.prefix):
            return app.resolve(event, context)
        authorizer = event.get("requestContext", {}).get("authorizer") or {}
        staff = self.member((authorizer.get("jwt") or {}).get("claims") or {})
        needed = None if path in self.open_paths else self.minimum
        match = _THREAD_PATH.match(path)
        thread = self.directory().thread_scope(match.group(1)) if match and staff else None
        decision = authorize(staff, needed, thread, self.supervisor_scope)
        if not decision.allowed:
            logger.info("Staff request refused", extra={"reason": decision.reason, "path": path})
            return _json_refusal(decision.status)
        app.append_context(staff=staff, supervisor_scope=self.supervisor_scope)
        return app.resolve(event, context)


def current_staff(app: APIGatewayHttpResolver | Router) -> StaffMember:
    """The caller the gate let in (raises NotAuthenticated for a request that did not pass it)."""
    staff = app.context.get("staff")
    if not isinstance(staff, StaffMember):
        raise NotAuthenticated("no staff gate ran")
    return staff


def table_gate(
    table_name: str,
    minimum: Role | None,
    *,
    open_paths: frozenset[str] = frozenset(),
    prefix: str = "/api/",
    table: Callable[[], Any] | None = None,
) -> StaffGate:
    """The gate of a staff function reading profiles and threads from its table (no AWS call until the first
    request), with the agency's supervisor scope (SUPERVISOR_SCOPE). `table`: the function's own Table
    object, when its reads should share what the route reads (switchboard.read_once)."""

    @cache
    def directory() -> StaffDirectory:
        return TableStaffDirectory(table() if table else boto3.resource("dynamodb").Table(table_name))

    scope = load_settings(StaffAccessSettings).supervisor_scope
    return StaffGate(directory, minimum, open_paths, prefix, scope)
