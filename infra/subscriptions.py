"""Subscriptions: the hosted sign-up page's public API. (Consent keywords run in the inbound consumer and the
consent check in the sender: see docs/architecture.md.)"""

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.api import add_public_route
from infra.concurrency import reserved_concurrency
from infra.lambdas import AGENT_API_TIMEOUT, FunctionKit, contract_function, grant_table_read_write

SIGNUP_PATH = "/api/public/signup"
# Per second, for the whole sign-up route: every accepted request may cost the agency one text, so a script
# walking through numbers is held to a trickle (each number also gets at most one text per 15 minutes).
SIGNUP_RATE_LIMIT = 2
SIGNUP_BURST_LIMIT = 10
TOPICS_PATH = "/api/public/topics"
_WHY_PUBLIC = (
    "The sign-up page is for residents, who have no staff account. A request only "
    "queues one confirmation text per number per 15 minutes; nothing is subscribed until the phone answers "
    "YES "
    "(double opt-in), and the API stage is throttled."
)


class SubscriptionsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        stage: apigwv2.HttpStage,
        table: dynamodb.ITable,
        outbound_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.signup_fn = contract_function(
            self,
            "SignupFn",
            kit=kit,
            handler="app.handlers.signup_api.handler",
            timeout=AGENT_API_TIMEOUT,
            service="subscriptions",
            description="Public sign-up API: lists topics, queues a YES-to-confirm text (double opt-in)",
            reserved_concurrency=reserved_concurrency(self, "signupConcurrency"),  # a cap: public route
        )
        grant_table_read_write(table, self.signup_fn)
        outbound_queue.grant_send_messages(self.signup_fn)
        integration = HttpLambdaIntegration("SignupIntegration", self.signup_fn)
        for path, method in ((SIGNUP_PATH, apigwv2.HttpMethod.POST), (TOPICS_PATH, apigwv2.HttpMethod.GET)):
            # More specific than ANY /api/{proxy+}: API Gateway routes them here, without the JWT authorizer.
            add_public_route(http_api, path, [method], integration, _WHY_PUBLIC)
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.add_property_override(
            f"RouteSettings.POST {SIGNUP_PATH}",
            {"ThrottlingRateLimit": SIGNUP_RATE_LIMIT, "ThrottlingBurstLimit": SIGNUP_BURST_LIMIT},
        )
