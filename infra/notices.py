"""Recurring notices: supervisors manage them (NoticesFn, behind the JWT authorizer); each is an EventBridge
Scheduler schedule in the notices' own group, delivered through a role that may only invoke NoticeFireFn (and
dead-letter to its queue). NoticeFireFn turns an occurrence into an alert on AlertPlanQueue: the alerts
fan-out sends it."""

from aws_cdk import Arn, ArnComponents, ArnFormat, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.lambdas import (
    AGENT_API_TIMEOUT,
    FunctionKit,
    contract_function,
    execution_role,
    grant_table_read_write,
)
from infra.nag import acknowledge
from infra.scheduler_target import scheduler_target

FIRE_TIMEOUT = Duration.seconds(30)
NOTICE_SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
)


class NoticesConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        http_api: apigwv2.HttpApi,
        authorizer: apigwv2.IHttpRouteAuthorizer,
        table: dynamodb.ITable,
        alert_plan_queue: sqs.IQueue,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        # --- the target: an occurrence becomes an alert -------------------------------------------------
        self.fire_fn = contract_function(
            self,
            "NoticeFireFn",
            kit=kit,
            handler="app.handlers.fire_notice.handler",
            timeout=FIRE_TIMEOUT,
            service="notices",
            description="EventBridge Scheduler target: a recurring notice's occurrence becomes an alert sent "
            "by the alerts fan-out",
        )
        grant_table_read_write(table, self.fire_fn)
        alert_plan_queue.grant_send_messages(
            self.fire_fn
        )  # ALERT_PLAN_QUEUE_URL is in the contract environment

        # --- the schedules' group, dead letters and delivery role --------------------------------------
        target = scheduler_target(
            self,
            self.fire_fn,
            alarm_topic,
            name="Notice",
            group_suffix="notices",
            kind="notice",
            delivering="recurring notices",
            alarm_description="NoticeScheduleDlq holds a notice occurrence Scheduler could not deliver to "
            "NoticeFireFn after its retries (an hour), or that NoticeFireFn failed three times: it was not "
            "sent. See NoticeFireFn's logs.",
        )
        self.group, self.dead_letters, self.role = target.group, target.dead_letters, target.role

        # --- the management API ------------------------------------------------------------------------
        self.api_fn = contract_function(
            self,
            "NoticesFn",
            kit=kit,
            handler="app.handlers.notice_routes.handler",
            timeout=AGENT_API_TIMEOUT,
            service="notices",
            description="ANY /api/notices[/...] (Cognito JWT, supervisor): recurring notices and their "
            "schedules",
        )
        grant_table_read_write(table, self.api_fn)
        schedules = Arn.format(
            ArnComponents(
                service="scheduler",
                resource="schedule",
                resource_name=f"{self.group.ref}/*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
            stack,
        )
        self.api_fn.add_to_role_policy(
            iam.PolicyStatement(actions=list(NOTICE_SCHEDULE_ACTIONS), resources=[schedules])
        )
        self.role.grant_pass_role(execution_role(self.api_fn))
        acknowledge(
            execution_role(self.api_fn),
            {
                f"AwsSolutions-IAM5[Resource::arn:aws:scheduler:{stack.region}:<AWS::AccountId>:schedule/"
                "<NoticeScheduleGroup>/*]": "One schedule per notice, named by the notice id: only schedules "
                "in the notices' own group.",
            },
        )
        for name, value in (
            ("NOTICE_SCHEDULE_GROUP", self.group.ref),
            ("NOTICE_FIRE_FUNCTION_ARN", self.fire_fn.function_arn),
            ("NOTICE_SCHEDULER_ROLE_ARN", self.role.role_arn),
            ("NOTICE_DLQ_ARN", self.dead_letters.queue_arn),
        ):
            self.api_fn.add_environment(name, value)
        integration = HttpLambdaIntegration("NoticesIntegration", self.api_fn)
        for path in ("/api/notices", "/api/notices/{proxy+}"):
            http_api.add_routes(
                path=path, methods=[apigwv2.HttpMethod.ANY], integration=integration, authorizer=authorizer
            )
