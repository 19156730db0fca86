"""311 service requests: the public Open311 GeoReport v2 server (/open311/v2/...).

The catalogue and API-key routes are staff routes of the agent API (AgentApiFn); this function serves city
systems and civic apps: read-only documents for anyone, and request creation for holders of an API key the
agency issued (hashed at rest, rate-limited per key in the table, the route throttled by the stage).
"""

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.lambdas import AGENT_API_TIMEOUT, FunctionKit, contract_function, grant_table_read_write
from infra.nag import acknowledge

OPEN311_PATH = "/open311/v2/{proxy+}"
# Per second for the whole Open311 route: city systems poll (GET requests.json every few minutes) and post
# requests one by one; this keeps a misbehaving client from running up the bill.
OPEN311_RATE_LIMIT = 10
OPEN311_BURST_LIMIT = 40
_PUBLIC_ROUTE = {
    "AwsSolutions-APIG4": "Open311 GeoReport v2 is a public API by design (services and requests are public "
    "records; no resident phone number or thread is ever in a response). Creating a request needs an "
    "api_key the agency issued, checked by the function against a hash, rate-limited per key; the stage "
    "throttles the route.",
}


class ServiceRequestsConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        stage: apigwv2.HttpStage,
        table: dynamodb.ITable,
        media_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.open311_fn = contract_function(
            self,
            "Open311Fn",
            kit=kit,
            handler="servicerequests.handlers.open311_api.handler",
            timeout=AGENT_API_TIMEOUT,
            service="servicerequests",
            description="Public Open311 GeoReport v2 server: services, requests (POST needs an api_key)",
        )
        grant_table_read_write(table, self.open311_fn)
        # Signed, expiring links to the re-encoded photos of requests (media_url): GetObject under
        # requests/ only (a presigned URL carries the function's own permission), nothing else of the bucket.
        self.open311_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[media_bucket.arn_for_objects("requests/*")]
            )
        )
        assert self.open311_fn.role is not None
        acknowledge(
            self.open311_fn.role,
            {
                "AwsSolutions-IAM5[Resource::<MediaBucket.Arn>/requests/*]": "A request's photo key is its "
                "request id and photo number, known only when the link is signed; GetObject only, under "
                "requests/ only (re-encoded photos without metadata).",
            },
        )
        integration = HttpLambdaIntegration("Open311Integration", self.open311_fn)
        for method in (apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST):
            for route in http_api.add_routes(path=OPEN311_PATH, methods=[method], integration=integration):
                acknowledge(route, _PUBLIC_ROUTE)
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        for verb in ("GET", "POST"):
            cfn_stage.add_property_override(
                f"RouteSettings.{verb} {OPEN311_PATH}",
                {"ThrottlingRateLimit": OPEN311_RATE_LIMIT, "ThrottlingBurstLimit": OPEN311_BURST_LIMIT},
            )
