"""What every Step Functions workflow of the stack shares: the Lambda step's timeout and the errors worth a
retry (with exponential backoff and full jitter), and the Standard state machine with its log group, tracing
and the cdk-nag acknowledgements those need."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.lambdas import LOG_RETENTION
from infra.nag import acknowledge, pin_logical_id

STEP_TIMEOUT = Duration.seconds(30)
# Errors worth another try: Lambda's own service errors and throttling, not a bug in the step.
TRANSIENT_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "States.Timeout",
]


def with_jittered_retry(task: tasks.LambdaInvoke, errors: list[str] | None = None) -> tasks.LambdaInvoke:
    task.add_retry(
        errors=TRANSIENT_ERRORS if errors is None else errors,
        interval=Duration.seconds(2),
        max_attempts=5,
        backoff_rate=2,
        max_delay=Duration.seconds(60),
        jitter_strategy=sfn.JitterType.FULL,
    )
    return task


def standard_state_machine(
    scope: Construct,
    logical_id: str,
    *,
    definition: sfn.IChainable,
    timeout: Duration,
    comment: str,
    steps_function_id: str,
) -> sfn.StateMachine:
    """A Standard state machine (its logical id pinned), logging every state without execution data (names
    and numbers of residents stay out of the logs), traced."""
    log_group = logs.LogGroup(
        scope, f"{logical_id}Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN
    )
    machine = sfn.StateMachine(
        scope,
        logical_id,
        definition_body=sfn.DefinitionBody.from_chainable(definition),
        state_machine_type=sfn.StateMachineType.STANDARD,
        timeout=timeout,
        tracing_enabled=True,
        logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        comment=comment,
    )
    pin_logical_id(machine, logical_id)
    acknowledge(
        machine,
        {
            f"AwsSolutions-IAM5[Resource::<{steps_function_id}.Arn>:*]": "LambdaInvoke grants the steps "
            "function and its versions/aliases (':*'); one function only.",
            "AwsSolutions-IAM5[Resource::*]": "Step Functions tracing (xray:PutTraceSegments, "
            "GetSamplingRules...) and log delivery (logs:CreateLogDelivery, DescribeResourcePolicies...) "
            "have no resource-level permissions.",
        },
    )
    return machine
