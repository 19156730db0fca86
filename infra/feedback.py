"""The feedback survey's wait for the end of quiet hours (issue 18): a survey due while the resident sleeps is
a one-time EventBridge Scheduler schedule in the feedback's own group, delivered through a role that may only
invoke FeedbackSurveyFn (and dead-letter to its queue). The agent API creates the schedules (a close)."""

from aws_cdk import Arn, ArnComponents, ArnFormat, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.lambdas import FunctionKit, contract_function, execution_role, grant_table_read_write
from infra.nag import acknowledge
from infra.scheduler_target import scheduler_target

SURVEY_TIMEOUT = Duration.seconds(30)


class FeedbackConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kit: FunctionKit,
        table: dynamodb.ITable,
        outbound_queue: sqs.IQueue,
        agent_api_fn: lambda_.IFunction,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.survey_fn = contract_function(
            self,
            "FeedbackSurveyFn",
            kit=kit,
            handler="app.handlers.feedback_survey.handler",
            timeout=SURVEY_TIMEOUT,
            service="feedback",
            description="EventBridge Scheduler target: a feedback survey that waited for quiet hours to end",
        )
        grant_table_read_write(table, self.survey_fn)
        outbound_queue.grant_send_messages(self.survey_fn)

        target = scheduler_target(
            self,
            self.survey_fn,
            alarm_topic,
            name="Feedback",
            group_suffix="feedback",
            kind="feedback",
            delivering="feedback surveys",
            alarm_description="FeedbackScheduleDlq holds a feedback survey Scheduler could not deliver to "
            "FeedbackSurveyFn, or that FeedbackSurveyFn failed three times: that resident was not asked. "
            "See its logs.",
        )
        self.group, self.dead_letters, self.role = target.group, target.dead_letters, target.role

        # The agent API creates one schedule per survey (a close inside quiet hours), in this group only.
        schedules = Arn.format(
            ArnComponents(
                service="scheduler",
                resource="schedule",
                resource_name=f"{self.group.ref}/*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
            stack,
        )
        agent_api_fn.add_to_role_policy(
            iam.PolicyStatement(actions=["scheduler:CreateSchedule"], resources=[schedules])
        )
        self.role.grant_pass_role(execution_role(agent_api_fn))
        acknowledge(
            execution_role(agent_api_fn),
            {
                f"AwsSolutions-IAM5[Resource::arn:aws:scheduler:{stack.region}:<AWS::AccountId>:schedule/"
                "<FeedbackScheduleGroup>/*]": "One schedule per feedback survey, named by the survey: only "
                "schedules in the feedback's own group.",
            },
        )
        if isinstance(agent_api_fn, lambda_.Function):
            for name, value in (
                ("FEEDBACK_SCHEDULE_GROUP", self.group.ref),
                ("FEEDBACK_SURVEY_FUNCTION_ARN", self.survey_fn.function_arn),
                ("FEEDBACK_SCHEDULER_ROLE_ARN", self.role.role_arn),
                ("FEEDBACK_SCHEDULE_DLQ_ARN", self.dead_letters.queue_arn),
            ):
                agent_api_fn.add_environment(name, value)
