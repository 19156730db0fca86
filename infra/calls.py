"""Click-to-call: CallsFn places calls with the twilio SDK (agent route behind the JWT authorizer), and
CallStatusFn takes Twilio's signed call progress callbacks. Both read the Twilio secret."""

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.api import add_public_route
from infra.lambdas import (
    AGENT_API_TIMEOUT,
    WEBHOOK_TIMEOUT,
    FunctionKit,
    contract_function,
    grant_table_read_write,
)

CALLS_API_PATH = "/api/calls/{proxy+}"
TWILIO_CALL_STATUS_PATH = "/twilio/calls/status"


class CallsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        authorizer: apigwv2.IHttpRouteAuthorizer,
        table: dynamodb.ITable,
        twilio_secret: secretsmanager.ISecret,
    ) -> None:
        super().__init__(scope, construct_id)
        self.calls_fn = contract_function(
            self,
            "CallsFn",
            kit=kit,
            handler="calls.handlers.call_routes.handler",
            timeout=AGENT_API_TIMEOUT,
            service="calls",
            description="ANY /api/calls/{proxy+} (Cognito JWT, agent): click-to-call through Twilio, the "
            "staff member's own phone",
        )
        grant_table_read_write(table, self.calls_fn)
        twilio_secret.grant_read(self.calls_fn)
        http_api.add_routes(
            path=CALLS_API_PATH,
            methods=[apigwv2.HttpMethod.ANY],
            integration=HttpLambdaIntegration("CallsIntegration", self.calls_fn),
            authorizer=authorizer,
        )

        self.call_status_fn = contract_function(
            self,
            "CallStatusFn",
            kit=kit,
            handler="channels.handlers.call_status.handler",
            timeout=WEBHOOK_TIMEOUT,
            service="calls",
            description="POST /twilio/calls/status: checks Twilio's signature, records call progress in the "
            "thread",
        )
        grant_table_read_write(table, self.call_status_fn)
        twilio_secret.grant_read(self.call_status_fn)
        add_public_route(
            http_api,
            TWILIO_CALL_STATUS_PATH,
            [apigwv2.HttpMethod.POST],
            HttpLambdaIntegration("CallStatusIntegration", self.call_status_fn),
            "Twilio cannot present a JWT. The handler validates X-Twilio-Signature over PUBLIC_API_URL + "
            "path + every form field; fails closed (403).",
        )
