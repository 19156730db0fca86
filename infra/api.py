"""The public HTTP API: one `$default` stage with access logs and throttling. Business areas add routes."""

import json
from collections.abc import Sequence

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.lambdas import LOG_RETENTION
from infra.nag import acknowledge, pin_logical_id

# Default-stage throttling, per second. Twilio bursts on busy days; agents are a handful of people.
THROTTLE_RATE_LIMIT = 50
THROTTLE_BURST_LIMIT = 100

# HTTP API $context variables only: no query strings, bodies or headers (they can carry phone numbers).
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integrationStatus",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "sourceIp": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
    }
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


class PublicHttpApi(Construct):
    """`HttpApi` (logical id `HttpApi`) served at its execute-api endpoint, no stage path."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name="switchboard",
            description="Switchboard: Twilio webhooks (/twilio/*) and the agent API (/api/*)",
            create_default_stage=False,
        )
        pin_logical_id(self.http_api, "HttpApi")
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=THROTTLE_RATE_LIMIT, burst_limit=THROTTLE_BURST_LIMIT
            ),
            access_log_settings=_AccessLogSettings(self.access_logs),
        )

    @property
    def endpoint(self) -> str:
        """`https://{id}.execute-api.{region}.amazonaws.com`, no trailing slash (`$default` has no path)."""
        return self.http_api.api_endpoint


def add_public_route(
    http_api: apigwv2.HttpApi,
    path: str,
    methods: Sequence[apigwv2.HttpMethod],
    integration: apigwv2.HttpRouteIntegration,
    why_public: str,
) -> None:
    """A route without the JWT authorizer (a Twilio webhook, a resident's page): each route it adds carries
    the reason it is public, the acknowledgment cdk-nag's AwsSolutions-APIG4 asks for."""
    for route in http_api.add_routes(path=path, methods=list(methods), integration=integration):
        acknowledge(route, {"AwsSolutions-APIG4": why_public})
