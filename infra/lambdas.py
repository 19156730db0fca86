"""How every Switchboard Lambda function is built: python3.12 on arm64, X-Ray, its own role, one-year logs."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.function_environment import for_function
from infra.nag import acknowledge, cfn_resource, pin_logical_id

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.ONE_YEAR

# Twilio waits 15 s for a webhook: answer well inside it.
WEBHOOK_TIMEOUT = Duration.seconds(10)
# Queue consumers. Their queues' visibility timeout is derived from this (see infra.queues).
CONSUMER_TIMEOUT = Duration.seconds(30)
AGENT_API_TIMEOUT = Duration.seconds(15)

# Functions without reserved concurrency share the account's unreserved pool (docs/decisions.md 24).
UNRESERVED_REASON = (
    "Only the Twilio webhook and the public routes reserve concurrency: each reservation is taken from "
    "the account's pool for good (1,000 by default, of which 100 must stay unreserved), and capping staff "
    "routes or queue consumers would throttle work a crisis needs. Queue consumers are paced by their queue."
)

# Read by the layer asset and the code asset alike: bytecode and test folders never ship.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", ".pytest_cache", ".mypy_cache"]
# A layer built by `make layer` (the marker file `.built` is make's, not Lambda's).
LAYER_EXCLUDES = [*ASSET_EXCLUDES, ".built"]


@dataclass(frozen=True)
class FunctionKit:
    """What every contract function shares: the one code asset, the layers and the contract environment (of
    which each function gets the variables its code reads)."""

    code: lambda_.Code
    layers: Sequence[lambda_.ILayerVersion]
    environment: Mapping[str, str]


def execution_role(function: lambda_.IFunction) -> iam.IRole:
    """The role contract_function gave `function` (to acknowledge what its grants add)."""
    if function.role is None:
        raise ValueError(f"{function.node.path} has no execution role")
    return function.role


def grant_table_read_write(table: dynamodb.ITable, function: lambda_.IFunction) -> None:
    """Item reads and writes on the one table, and Query on its gsi1 (threads by last activity)."""
    table.grant_read_write_data(function)
    acknowledge(
        execution_role(function),
        {
            "AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]": "grant_read_write_data adds "
            "'<table>/index/*' so handlers can Query gsi1; it covers this table's indexes only.",
        },
    )


def contract_function(
    scope: Construct,
    construct_id: str,
    *,
    kit: FunctionKit,
    handler: str,
    timeout: Duration,
    service: str,
    description: str,
    memory_size: int = 256,
    reserved_concurrency: int | None = None,
) -> lambda_.Function:
    """A function named in docs/architecture.md; its logical id is the contract's construct id.

    The role starts empty (no AWSLambdaBasicExecutionRole): it may write to its own log group only,
    and the caller adds what the handler needs with grant_* methods. `reserved_concurrency` both guarantees
    and caps the function's concurrency (infra.concurrency says which functions get one and why).
    """
    log_group = logs.LogGroup(
        scope, f"{construct_id}Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.RETAIN
    )
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Execution role of {construct_id}",
    )
    function = lambda_.Function(
        scope,
        construct_id,
        code=kit.code,
        handler=handler,
        runtime=RUNTIME,
        architecture=ARCHITECTURE,
        layers=list(kit.layers),
        # Only the variables its code reads (infra.function_environment): a parameter change updates only the
        # functions that read it.
        environment={
            **{name: kit.environment[name] for name in sorted(for_function(handler, kit.environment))},
            "POWERTOOLS_SERVICE_NAME": service,
        },
        timeout=timeout,
        memory_size=memory_size,
        tracing=lambda_.Tracing.ACTIVE,
        log_group=log_group,
        role=role,
        description=description,
        reserved_concurrent_executions=reserved_concurrency,
    )
    log_group.grant_write(role)
    pin_logical_id(function, construct_id)
    acknowledge(
        role,
        {
            "AwsSolutions-IAM5[Resource::*]": "Only the X-Ray statement uses '*': xray:PutTraceSegments and "
            "xray:PutTelemetryRecords have no resource-level permissions, and active tracing is required.",
        },
    )
    function_findings = {
        "AwsSolutions-L1": "python3.12 is the contract runtime (docs/architecture.md): the deps layer is "
        "built for cp312 (`make layer`). Moving runtimes is a deliberate change of layer and runtime "
        "together.",
    }
    if reserved_concurrency is None:
        function_findings["NIST.800.53.R5-LambdaConcurrency"] = UNRESERVED_REASON
    acknowledge(cfn_resource(function), function_findings)  # the CfnFunction only, not its event sources
    return function
