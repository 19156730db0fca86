"""311 service requests: the public Open311 GeoReport v2 server (/open311/v2/...).

The catalogue and API-key routes are staff routes of the agent API (AgentApiFn); this function serves city
systems and civic apps: read-only documents for anyone, and request creation for holders of an API key the
agency issued (hashed at rest, rate-limited per key in the table, the route throttled by the stage).
"""

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.api import add_public_route
from infra.keys import generated_key
from infra.lambdas import AGENT_API_TIMEOUT, FunctionKit, contract_function, grant_table_read_write
from infra.nag import acknowledge, pin_logical_id
from infra.queues import queue_trigger

OPEN311_PATH = "/open311/v2/{proxy+}"
# The Open311 client: a batch of 10 jobs, each one POST with a 10 s timeout (CITY_TIMEOUT_S), fits.
CITY_FORWARD_TIMEOUT = Duration.seconds(120)
# One poll: a token or a GET requests.json per 50 open requests per city, 10 s each at worst.
CITY_POLL_TIMEOUT = Duration.seconds(300)
CITY_POLL_RATE = "rate(5 minutes)"
# Per second for the whole Open311 route: city systems poll (GET requests.json every few minutes) and post
# requests one by one; this keeps a misbehaving client from running up the bill.
OPEN311_RATE_LIMIT = 10
OPEN311_BURST_LIMIT = 40
_WHY_PUBLIC = (
    "Open311 GeoReport v2 is a public API by design (services and requests are public "
    "records; no resident phone number or thread is ever in a response). Creating a request needs an "
    "api_key the agency issued, checked by the function against a hash, rate-limited per key; the stage "
    "throttles the route."
)


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
        city_forward_queue: sqs.IQueue,
        outbound_queue: sqs.IQueue,
        request_makers: tuple[lambda_.IFunction, ...],
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
        # The photos' links (media_url) are signed with a key of their own: Open311Fn signs and checks them,
        # CityForwardFn signs the one it sends a city.
        self.media_link_key = generated_key(
            self,
            "MediaLinkKey",
            description="HMAC key of the signed, expiring links to service requests' photos (Open311 "
            "media_url, GET /open311/v2/media/...)",
            why_not_rotated="Rotating the key ends every photo link already given to a city system (they "
            "expire within 30 days anyway); an agency rotates it deliberately with put-secret-value.",
        )
        self._sign_media_links(self.open311_fn)
        # The photo behind a valid link is read by the function and served: GetObject under requests/ only
        # (the re-encoded copies filed under each request), nothing else of the bucket.
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
            add_public_route(http_api, OPEN311_PATH, [method], integration, _WHY_PUBLIC)
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        for verb in ("GET", "POST"):
            cfn_stage.add_property_override(
                f"RouteSettings.{verb} {OPEN311_PATH}",
                {"ThrottlingRateLimit": OPEN311_RATE_LIMIT, "ThrottlingBurstLimit": OPEN311_BURST_LIMIT},
            )

        self._open311_client(kit, table, city_forward_queue, outbound_queue, request_makers)

    def _sign_media_links(self, function: lambda_.Function) -> None:
        self.media_link_key.grant_read(function)
        function.add_environment("MEDIA_LINK_SECRET_ARN", self.media_link_key.secret_arn)

    def _open311_client(
        self,
        kit: FunctionKit,
        table: dynamodb.ITable,
        city_forward_queue: sqs.IQueue,
        outbound_queue: sqs.IQueue,
        request_makers: tuple[lambda_.IFunction, ...],
    ) -> None:
        """New requests go to the city through CityForwardQueue; the city's statuses come back by a poll."""
        for maker in request_makers:  # every function that creates a request puts one job on the queue
            city_forward_queue.grant_send_messages(maker)
        self.forward_fn = contract_function(
            self,
            "CityForwardFn",
            kit=kit,
            handler="servicerequests.handlers.city_forward.handler",
            timeout=CITY_FORWARD_TIMEOUT,
            service="servicerequests",
            description="CityForwardQueue consumer: POSTs new service requests to the city's Open311 "
            "endpoint; retries with jittered backoff, then CityForwardDlq",
        )
        # The trigger grants receive, delete and ChangeMessageVisibility (the jittered retry delay).
        self.forward_fn.add_event_source(queue_trigger(city_forward_queue))
        grant_table_read_write(table, self.forward_fn)
        self._sign_media_links(self.forward_fn)

        self.poll_fn = contract_function(
            self,
            "CityPollFn",
            kit=kit,
            handler="servicerequests.handlers.city_poll.handler",
            timeout=CITY_POLL_TIMEOUT,
            service="servicerequests",
            description="Every 5 minutes: batch tokens and statuses of the requests open at a city; each "
            "change texted to the resident once",
        )
        grant_table_read_write(table, self.poll_fn)
        outbound_queue.grant_send_messages(self.poll_fn)  # "Your request #1234 is closed."

        stack = Stack.of(self)
        group = scheduler.CfnScheduleGroup(self, "PollGroup", name=f"{stack.stack_name}-open311")
        group.override_logical_id("CityPollScheduleGroup")
        role = iam.Role(
            self,
            "PollSchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="EventBridge Scheduler invoking CityPollFn every 5 minutes",
        )
        pin_logical_id(role, "CityPollSchedulerRole")
        self.poll_fn.grant_invoke(role)
        acknowledge(
            role,
            {
                "AwsSolutions-IAM5[Resource::<CityPollFn.Arn>:*]": "grant_invoke covers the function and "
                "its versions/aliases (':*'); one function only.",
            },
        )
        schedule = scheduler.CfnSchedule(
            self,
            "PollSchedule",
            group_name=group.ref,
            schedule_expression=CITY_POLL_RATE,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=self.poll_fn.function_arn,
                role_arn=role.role_arn,
                input="{}",
                # A missed poll is made good by the next one, five minutes later: no retries pile up.
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=0, maximum_event_age_in_seconds=300
                ),
            ),
            description="The Open311 client's poll of the city (tokens, statuses)",
        )
        schedule.override_logical_id("CityPollSchedule")
