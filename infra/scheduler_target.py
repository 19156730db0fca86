"""A function EventBridge Scheduler invokes from schedules in their own group: the group, a dead-letter queue
(alarmed) for what Scheduler cannot deliver or the function keeps failing, and the role the schedules run as,
which may invoke only that function and dead-letter only to that queue. Used by the recurring notices and by
the feedback survey's wait for the end of quiet hours."""

from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge, cfn_resource, pin_logical_id
from infra.queues import dead_letter_alarm


@dataclass(frozen=True)
class SchedulerTarget:
    group: scheduler.CfnScheduleGroup
    dead_letters: sqs.Queue
    role: iam.Role


def scheduler_target(
    scope: Construct,
    function: lambda_.Function,
    alarm_topic: sns.ITopic,
    *,
    name: str,  # logical ids `{name}ScheduleGroup`, `{name}ScheduleDlq`, `{name}SchedulerRole`
    group_suffix: str,
    kind: str,  # "notice": "the notice schedules' target"
    delivering: str,  # "recurring notices": the role's description
    alarm_description: str,
) -> SchedulerTarget:
    stack = Stack.of(scope)
    group = scheduler.CfnScheduleGroup(scope, "Group", name=f"{stack.stack_name}-{group_suffix}")
    group.override_logical_id(f"{name}ScheduleGroup")
    dead_letters = sqs.Queue(
        scope,
        "Dlq",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    pin_logical_id(dead_letters, f"{name}ScheduleDlq")
    acknowledge(
        dead_letters,
        {"AwsSolutions-SQS3": f"This queue is the dead-letter queue of the {kind} schedules' target."},
    )
    dead_letter_alarm(scope, dead_letters, alarm_topic, alarm_description)
    # Scheduler invokes the function asynchronously: an invocation that still fails after Lambda's two
    # retries lands in the same dead-letter queue (and alarm) as one Scheduler could not deliver.
    cfn_resource(function).add_property_override("DeadLetterConfig", {"TargetArn": dead_letters.queue_arn})
    dead_letters.grant_send_messages(function)

    role = iam.Role(
        scope,
        "SchedulerRole",
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        ),
        description=f"EventBridge Scheduler delivering {delivering} to {function.node.id}",
    )
    pin_logical_id(role, f"{name}SchedulerRole")
    function.grant_invoke(role)
    dead_letters.grant_send_messages(role)
    acknowledge(
        role,
        {
            f"AwsSolutions-IAM5[Resource::<{function.node.id}.Arn>:*]": "grant_invoke covers the function "
            "and its versions/aliases (':*'); one function only.",
        },
    )
    return SchedulerTarget(group=group, dead_letters=dead_letters, role=role)
