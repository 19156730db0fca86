"""Role checks for Powertools HTTP resolvers: a route-level middleware per role (see switchboard.roles)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from switchboard.observability import logger
from switchboard.roles import Forbidden, Role, groups_from_claims, has_role


class NotAuthenticated(PermissionError):
    """No JWT claims: the request did not come through the authorizer."""


def jwt_claims(app: APIGatewayHttpResolver) -> dict[str, Any]:
    authorizer = app.current_event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    if not claims or not claims.get("sub"):
        raise NotAuthenticated("no JWT claims")
    return dict(claims)


def requires(role: Role) -> Any:
    """A middleware that answers 403 unless the caller's groups include `role` (or a higher one)."""

    def middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        if not has_role(groups_from_claims(jwt_claims(app)), role):
            logger.info("Route refused for role", extra={"needs": role, "route": app.current_event.path})
            raise Forbidden(f"needs role {role}")
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
