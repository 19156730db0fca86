"""Alerts: the composer's API, the planner and the paced sender (functions/alerts), their queues' consumers,
the scheduler role that starts scheduled alerts and wakes quiet-hours waves, and the tracked-link redirect.

Each function gets only what it does: the API writes alerts and sends to AlertPlanQueue, creates and deletes
schedules in the alerts' group (passing the scheduler role); the planner reads subscribers and sends to
AlertSendQueue; the sender reads the Twilio secret, writes deliveries and creates wake schedules; the redirect
reads links and counts clicks.
"""

from aws_cdk import Arn, ArnComponents, ArnFormat, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from aws_cdk.aws_lambda_event_sources import SqsEventSource
from constructs import Construct

from infra.api import add_public_route
from infra.concurrency import reserved_concurrency
from infra.lambdas import FunctionKit, contract_function, execution_role, grant_table_read_write
from infra.nag import acknowledge, pin_logical_id

ALERTS_PATH = "/api/alerts"
ALERTS_PROXY_PATH = "/api/alerts/{proxy+}"
REDIRECT_PATH = "/r/{token}"
# The planner reads an audience and enqueues it: 100,000 recipients are 10,000 SendMessageBatch calls.
PLANNER_TIMEOUT = Duration.seconds(300)
PLANNER_CONCURRENCY = 16  # shard jobs in flight at once (SQS event source maximum concurrency)
# The sender paces itself (it may sleep into the next second) and backs off from Twilio.
SENDER_TIMEOUT = Duration.seconds(60)
SENDER_BATCH_SIZE = 10


class AlertSchedulerPieces(Construct):
    """The schedule group the alerts' one-time schedules live in, and the role Scheduler uses to deliver them
    (send to AlertPlanQueue, nothing else)."""

    def __init__(self, scope: Construct, construct_id: str, *, plan_queue: sqs.IQueue) -> None:
        super().__init__(scope, construct_id)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=f"{Stack.of(self).stack_name}-alerts")
        self.group.override_logical_id("AlertScheduleGroup")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler delivering alert jobs to AlertPlanQueue",
        )
        pin_logical_id(self.role, "AlertSchedulerRole")
        plan_queue.grant_send_messages(self.role)

    @property
    def group_name(self) -> str:
        return str(self.group.ref)

    def schedules_arn(self) -> str:
        # ArnComponents, not a dict: a dict's keys are not read as the components, and the ARN came out as
        # ...:schedule with no group or name, matching no schedule (send-later alerts would be AccessDenied).
        return Arn.format(
            ArnComponents(
                service="scheduler",
                resource="schedule",
                resource_name=f"{self.group_name}/*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
            Stack.of(self),
        )

    def allow_scheduling(self, function: lambda_.IFunction, *, delete: bool) -> None:
        actions = ["scheduler:CreateSchedule"] + (["scheduler:DeleteSchedule"] if delete else [])
        function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=[self.schedules_arn()]))
        self.role.grant_pass_role(function)  # type: ignore[arg-type]
        acknowledge(
            execution_role(function),
            {
                f"AwsSolutions-IAM5[Resource::arn:aws:scheduler:{Stack.of(self).region}:<AWS::AccountId>:"
                "schedule/<AlertScheduleGroup>/*]": "One-time schedules named per alert (send later) and per "
                "quiet-hours wake time: only schedules in the alerts' own group.",
            },
        )


class AlertsConstruct(Construct):
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
        plan_queue: sqs.IQueue,
        send_queue: sqs.IQueue,
        schedules: AlertSchedulerPieces,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api_fn = contract_function(
            self,
            "AlertsApiFn",
            kit=kit,
            handler="app.handlers.alerts_api.handler",
            timeout=Duration.seconds(29),
            service="alerts",
            description="Alerts API (supervisors): options, preview, create, schedule, cancel, figures",
            memory_size=512,
        )
        grant_table_read_write(table, self.api_fn)
        plan_queue.grant_send_messages(self.api_fn)
        schedules.allow_scheduling(self.api_fn, delete=True)
        integration = HttpLambdaIntegration("AlertsApiIntegration", self.api_fn)
        for path in (ALERTS_PATH, ALERTS_PROXY_PATH):
            http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod.ANY], integration=integration, authorizer=authorizer
            )

        self.planner_fn = contract_function(
            self,
            "AlertPlannerFn",
            kit=kit,
            handler="alerts.handlers.alert_planner.handler",
            timeout=PLANNER_TIMEOUT,
            service="alerts",
            description="AlertPlanQueue consumer: an alert's audience, one AlertSendQueue message each",
            memory_size=1024,
        )
        grant_table_read_write(table, self.planner_fn)
        send_queue.grant_send_messages(self.planner_fn)
        plan_queue.grant_send_messages(self.planner_fn)  # a large audience's shard jobs (alerts.logic.shards)
        self.planner_fn.add_event_source(
            SqsEventSource(
                plan_queue,
                batch_size=1,
                report_batch_item_failures=True,
                # Shards of one large alert run side by side: 1,000,000 residents are 100 shard jobs.
                max_concurrency=PLANNER_CONCURRENCY,
            )
        )

        self.sender_fn = contract_function(
            self,
            "AlertSenderFn",
            kit=kit,
            handler="alerts.handlers.alert_sender.handler",
            timeout=SENDER_TIMEOUT,
            service="alerts",
            description="AlertSendQueue consumer: one alert text per resident, exactly once, paced, consent "
            "and quiet hours checked at send time",
        )
        grant_table_read_write(table, self.sender_fn)
        twilio_secret.grant_read(self.sender_fn)
        schedules.allow_scheduling(self.sender_fn, delete=False)
        self.sender_fn.add_event_source(
            SqsEventSource(
                send_queue,
                batch_size=SENDER_BATCH_SIZE,
                report_batch_item_failures=True,
                # The shared rate window paces them; a few concurrent senders keep Twilio's latency hidden.
                max_concurrency=5,
            )
        )

        self.redirect_fn = contract_function(
            self,
            "LinkRedirectFn",
            kit=kit,
            handler="alerts.handlers.link_redirect.handler",
            timeout=Duration.seconds(5),
            service="alerts",
            description="GET /r/{token}: a tracked link in an alert; counts the click, redirects to its URL",
            reserved_concurrency=reserved_concurrency(self, "linkRedirectConcurrency"),  # a cap: public route
        )
        # Items only (a link, a click counter): no index, no query.
        self.redirect_fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:UpdateItem"], resources=[table.table_arn]
            )
        )
        add_public_route(
            http_api,
            REDIRECT_PATH,
            [apigwv2.HttpMethod.GET],
            HttpLambdaIntegration("LinkRedirectIntegration", self.redirect_fn),
            "Residents follow alert links from their phones, signed in to nothing. The route redirects only "
            "to URLs stored with an alert (no open redirect) and the stage is throttled.",
        )
